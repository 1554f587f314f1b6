export { closeHubs as disposeAll, startHub, track } from '../../../../test/utils/hub.js';
export { waitFor as eventually } from '../../../../test/utils/wait.js';
