export { type Fault, FaultDriver } from './fault-driver.js';
export { MemoryDriver } from './memory-driver.js';
