/**
 * Maintenance windows (`/api/maintenance`): the list, scheduling one, and ending one.
 * @module
 */
import type { ClientInstancesResponse } from '@relay-console/shared/api'
import type { MaintenanceBody } from '@relay-console/shared/fleet-ops'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from '../../../lib/api-client'
import { instanceKeys, maintenanceKeys } from '../../../lib/query-keys'

/** Re-read while the page is open: windows start and end on their own. */
export function useMaintenanceWindows() {
  return useQuery({ queryKey: maintenanceKeys.all(), queryFn: () => api.listMaintenance(), refetchInterval: 5000 })
}

/**
 * Whether an instance id is in the fleet as this tab has it; every id passes while the fleet is
 * not loaded (the console checks again, and names one it does not know).
 */
export function useKnownInstance(): (id: string) => boolean {
  const queryClient = useQueryClient()
  return (id) => {
    const fleet = queryClient.getQueryData<ClientInstancesResponse>(instanceKeys.list())
    return fleet === undefined || fleet.instances.some((i) => i.id === id)
  }
}

export function useScheduleMaintenance() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (body: MaintenanceBody) => api.scheduleMaintenance(body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: maintenanceKeys.all() }),
  })
}

export function useEndMaintenance() {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => api.endMaintenance(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: maintenanceKeys.all() }),
  })
}
