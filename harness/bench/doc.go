// Package bench assembles a bench from its configuration
// (fixtures/benches/*.yaml): which devices are real or emulated and where
// the hosts run. Resources are passive data here, as labgrid has them; the
// drivers that own the hardware libraries live in harness/device.
package bench
