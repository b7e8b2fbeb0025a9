// The bench app redeployed at the same schema version (B14): only the module's text differs, which
// is what makes it a new version for the worker (a content hash, not the URL).
import actions from './actions.ts';

export default actions;
export const deployment = 'bench-alt';
