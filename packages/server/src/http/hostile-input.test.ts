import { describeHostileInput } from './hostile-input.conformance.ts';

describeHostileInput('embedded PGlite', async () => ({ options: { dataDir: 'memory://' }, cleanup: async () => {} }));
