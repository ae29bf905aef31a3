/**
 * A `sql` tagged template over the object's SQLite, in partyserver's style:
 * sql<Row>`SELECT * FROM keys WHERE id = ${id}` binds every interpolated value as a
 * parameter (never spliced into the text), and answers the rows as an array. Statements
 * that need a dynamic table or column name are not written with it (checks.ts).
 */
export function sqlTag(storage: SqlStorage) {
  return <T extends Record<string, SqlStorageValue> = Record<string, SqlStorageValue>>(strings: TemplateStringsArray, ...values: SqlStorageValue[]): T[] =>
    storage.exec<T>(strings.join('?'), ...values).toArray();
}

export type Sql = ReturnType<typeof sqlTag>;
