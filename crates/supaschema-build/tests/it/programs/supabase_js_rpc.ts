// Calls of the `teams` fixture's functions through supabase-js `rpc`: an argument with a default
// may be left out, `setof projects` comes back as the table's rows, `table (…)` as rows of its
// columns, and a function in `private` is not there to call.
import { createClient } from "@supabase/supabase-js"
import type { Database } from "./teams.types"

const supabase = createClient<Database>("http://127.0.0.1:54321", "anon-key")

export async function projects(): Promise<string[]> {
  const all = await supabase.rpc("my_projects")
  const some = await supabase.rpc("my_projects", { title_like: "Plan%" })
  const titles: string[] = [...(all.data ?? []), ...(some.data ?? [])].map((project) => project.title)
  const assignees: (string | null)[] = (all.data ?? []).map((project) => project.assignee_id)
  const counts = await supabase.rpc("project_counts")
  const total: number = (counts.data ?? []).reduce((sum, row) => sum + row.projects, 0)
  // @ts-expect-error: title_like is text
  await supabase.rpc("my_projects", { title_like: 42 })
  // @ts-expect-error: the helper lives in `private`, which the Data API does not expose
  await supabase.rpc("owns_workspace", { workspace: "" })
  return [...titles, ...assignees.map(String), String(total)]
}
