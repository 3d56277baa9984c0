// Package codelimits has no code: its test holds the repository's library
// code to the size limits of the house rules (files under maxFileLines
// lines, functions under maxFuncLines), so that a long function is noticed
// when it is written rather than at review.
package codelimits
