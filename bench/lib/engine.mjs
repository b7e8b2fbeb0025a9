// Per-engine naming for the benchmarks that run on both engines. PGlite keeps the ids, database
// names and titles it had before SQLite existed, so its rows stay comparable with older reports;
// SQLite's rows are `<id>-sqlite` (placed right after PGlite's in BENCHMARKS.md).
export const ENGINE_LABEL = { pglite: 'PGlite', sqlite: 'SQLite' };

export const engineId = (id, engine = 'pglite') => (engine === 'pglite' ? id : `${id}-${engine}`);
export const engineDb = (name, engine = 'pglite') => (engine === 'pglite' ? name : `${name}-${engine}`);
// "SQLite engine: one action…": the title's first word lower-cased unless it is an acronym (PGlite, B7).
export const engineTitle = (title, engine = 'pglite') =>
  engine === 'pglite' ? title : `${ENGINE_LABEL[engine]} engine: ${/^[A-Z][a-z]/.test(title) ? title[0].toLowerCase() + title.slice(1) : title}`;
