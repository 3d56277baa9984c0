package imap3sim

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed scripts/*.txt
var scriptFS embed.FS

var (
	loadOnce sync.Once
	scripts  map[string]*Script
	loadErr  error
)

// load parses every embedded script once.
func load() {
	scripts = map[string]*Script{}
	ents, err := scriptFS.ReadDir("scripts")
	if err != nil {
		loadErr = fmt.Errorf("imap3sim: %w", err)
		return
	}
	for _, e := range ents {
		src, err := scriptFS.ReadFile(path.Join("scripts", e.Name()))
		if err != nil {
			loadErr = fmt.Errorf("imap3sim: %w", err)
			return
		}
		s, err := ParseScript(src)
		if err != nil {
			loadErr = fmt.Errorf("%s: %w", e.Name(), err)
			return
		}
		if want := strings.TrimSuffix(e.Name(), ".txt"); s.Name != want {
			loadErr = fmt.Errorf("imap3sim: %s: @name %q differs from file name", e.Name(), s.Name)
			return
		}
		scripts[s.Name] = s
	}
}

// Names lists the embedded scripts, sorted.
func Names() ([]string, error) {
	loadOnce.Do(load)
	if loadErr != nil {
		return nil, loadErr
	}
	out := make([]string, 0, len(scripts))
	for n := range scripts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// Lookup returns the embedded script called name.
func Lookup(name string) (*Script, error) {
	loadOnce.Do(load)
	if loadErr != nil {
		return nil, loadErr
	}
	s, ok := scripts[name]
	if !ok {
		return nil, fmt.Errorf("imap3sim: no script %q", name)
	}
	return s, nil
}
