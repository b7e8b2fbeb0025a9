import type { EngineName } from '@tandem/core';

/** How error messages name an engine ("the PGlite engine (engine: 'pglite')"): by name and by the config value that picks it. */
export const ENGINE_LABEL: Record<EngineName, string> = { pglite: "PGlite engine (engine: 'pglite')", sqlite: "SQLite engine (engine: 'sqlite')" };
