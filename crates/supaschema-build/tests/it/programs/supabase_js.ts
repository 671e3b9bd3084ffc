// A dashboard's use of the generated `Database` type with supabase-js, for the `minimal`
// fixture: what must compile does, and each `@ts-expect-error` line must fail to, or tsc
// reports the directive as unused.
import { createClient } from "@supabase/supabase-js"
import type { Database, Tables, TablesInsert, TablesUpdate } from "./database.types"

const supabase = createClient<Database>("http://127.0.0.1:54321", "anon-key")

export async function dashboard(userId: string): Promise<string[]> {
  const { data, error } = await supabase.from("notes").select("id, body").eq("user_id", userId)
  if (error) throw error
  const bodies: string[] = data.map((note) => note.body)

  const note: TablesInsert<"notes"> = { user_id: userId, body: "hello" }
  const inserted = await supabase.from("notes").insert(note).select().single()
  const row: Tables<"notes"> | null = inserted.data
  const change: TablesUpdate<"notes"> = { body: "changed" }
  await supabase.from("notes").update(change).eq("id", row?.id ?? "")

  // @ts-expect-error: no such column
  await supabase.from("notes").insert({ user_id: userId, body: "x", colour: "red" })
  // @ts-expect-error: body is text
  await supabase.from("notes").insert({ user_id: userId, body: 42 })
  // @ts-expect-error: body may not be left out
  await supabase.from("notes").insert({ user_id: userId })
  // @ts-expect-error: body is not nullable
  await supabase.from("notes").update({ body: null }).eq("id", userId)
  const selected = await supabase.from("notes").select("colour").single()
  // @ts-expect-error: selecting an unknown column gives no row type
  const colour: string = selected.data?.colour
  // @ts-expect-error: no such table
  await supabase.from("nope").select("*")
  return [...bodies, colour]
}
