import { InMemoryStateStore, stateStoreBehaviour } from '../src/index.ts';

stateStoreBehaviour('InMemoryStateStore', async (clock) => ({ store: new InMemoryStateStore({ clock }) }));
