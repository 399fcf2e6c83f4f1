//go:build race

package bank_test

// raceDetector says the tests run under the race detector, which slows
// the property tests several times: they run fewer checks.
const raceDetector = true
