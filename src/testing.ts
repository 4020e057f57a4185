/**
 * `runicorn/testing`: test what you build on runicorn without a socket, a process or a clock.
 *
 * - `inject()`: one request through your stages and your app, the response back as data.
 * - The lifecycle kit: the pure `step`, the `arbiter` and `workerLifecycle` operators, event and
 *   command constructors, `timers`, `feedback` and the timer keys, for marble tests in virtual time.
 * - `interpretArbiter` with `fakePorts()`: the real command interpreter over fake workers, so your
 *   own server hooks run as the arbiter would run them.
 *
 * It loads no command line (no commander) and starts nothing.
 *
 * @example
 * import { inject } from 'runicorn/testing';
 * const reply = await inject({ app, stages: [requireHost] }, { url: '/', headers: { host: 'x' } });
 */

// Requests
export {
  inject,
  type InjectRequest,
  type InjectResponse,
  type InjectTarget,
  type InjectWorker,
} from './effects/inject';
export type { Exchange, RequestLike, ResponseLike } from './streams/pipeline/exchange';
export { respond } from './streams/pipeline/exchange';
export { stage, type Stage } from './streams/pipeline/stage';
export { requestPipeline, type RequestPipelineOptions } from './streams/pipeline/request-pipeline';

// The arbiter's and the worker's lifecycles
export * from './streams/lifecycle-kit';

// The interpreter, over fake ports
export { interpretArbiter, type ArbiterPorts } from './effects/arbiter-ports';
export { fakePorts, type FakeCall, type FakePorts, type FakePortsOptions } from './effects/fake-ports';
