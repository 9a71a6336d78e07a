export { freePort, waitFor } from './ports.js';
export { startRedis, type TestRedis } from './redis-server.js';
export { spawnLostromos, LOSTROMOS_BIN, type LostromosProcess } from './lostromos-process.js';
