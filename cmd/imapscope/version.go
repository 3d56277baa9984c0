package main

import (
	"runtime/debug"
	"strings"
)

// revisionLen is how many hex digits of a VCS revision the version shows.
const revisionLen = 12

// resolveVersion returns the version to print: the one set with -ldflags
// "-X main.version=..." (make build), else the module version recorded by
// go install (v1.2.3, or a pseudo-version), else the VCS revision go build
// recorded (with -dirty for a modified tree), else "dev".
func resolveVersion(ldflags string, info *debug.BuildInfo, ok bool) string {
	if ldflags != "" && ldflags != "dev" {
		return ldflags
	}
	if !ok || info == nil {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	rev = rev[:min(len(rev), revisionLen)]
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + strings.ToLower(rev)
}

// programVersion is the version of this binary (see resolveVersion).
func programVersion() string {
	info, ok := debug.ReadBuildInfo()
	return resolveVersion(version, info, ok)
}
