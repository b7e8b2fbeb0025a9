// An actions module in the shape an app ships: its default export is defineActions(...).
import { todoActions } from './todo-fixture.ts';

export default todoActions;
