import { createMemoryBroker } from '../../src/broker/memory.js';
import { presenceContract } from './presence-contract.js';

presenceContract('memory', () => ({ create: () => createMemoryBroker(), shared: false }));
