export async function runServe(_opts: unknown): Promise<number> { return 1; }
