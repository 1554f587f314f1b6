export { waitForState, waitSubscribed } from '../../../../test/utils/client.js';
export { waitFor } from '../../../../test/utils/wait.js';
