// The bench app's next version (B13): the same actions, one migration more. Bundled like actions.ts.
import { defineMigrations } from '@tandem/core';
import actions from './actions.ts';

export default actions;
export const migrations = defineMigrations([{ name: 'bench-priority', sql: 'ALTER TABLE todos ADD COLUMN priority integer NOT NULL DEFAULT 0' }]);
