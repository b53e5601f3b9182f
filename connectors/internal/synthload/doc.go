// Package synthload holds the end-to-end test of the pupil-level sources
// (ks1, ks2, ks4, attendance, exclusions, audit, interventions): it loads a
// synthetic LA from pipeline/synth with the real connectors, builds every
// SQL model, and checks what was loaded, quarantined and derived against
// what the generator planted. It has no code of its own.
package synthload
