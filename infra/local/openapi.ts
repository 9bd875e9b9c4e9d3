import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildOpenApi } from '../openapi';

/** `npm run openapi`: writes docs/openapi.json from the route table and the handlers' zod schemas. */
const file = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
console.log(`Wrote ${file}`);
