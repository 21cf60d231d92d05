// Package layering holds the test that keeps the code to DESIGN.md's map:
// imports only point down the layer list, codecs do no I/O, and each
// third-party library is imported by its one edge package.
package layering
