import type { Patch } from '@tandem/core';

/**
 * What a commit changed, for the live layer. `tables`: every table written (captured or touched).
 * `patches`: when present, loads the captured row patches of this commit (old and new rows), so
 * a live query can be skipped when none of them can meet its WHERE clause. It reads the engine, so
 * it is valid only until the next commit: call it while publishing, never later. A table in
 * `tables` with no patch (no capture: touch triggers only) must be treated at table level.
 */
export interface CommitChanges {
  tables: ReadonlySet<string>;
  patches?: () => Promise<readonly Pick<Patch, 'table' | 'oldRow' | 'newRow'>[]>;
}
