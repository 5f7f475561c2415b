// The workflows bundle entry point: everything exported here is registered by the orchestrator.
export { liveMigrateVm } from './live-migrate';
export { evacuateHost } from './evacuate-host';
