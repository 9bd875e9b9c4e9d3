// Entry of a local Lambda "container" (a worker thread): registers the TypeScript loader, then runs the
// worker's TypeScript main. Plain JS because the loader is not there yet when this file is read.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
