// Command gensecrets writes the crafted captures of pcaps/secrets/:
// malformed-login.pcap (LOGIN and AUTHENTICATE shapes carrying marker
// passwords, with the server's replies) and starttls-injection.pcap, each
// with a NAME.shapes.json listing every connection in order: its name,
// what real condition it reproduces, its password, whether it is
// well-formed and how the capture damages it.
//
//	go run ./internal/secretshapes/cmd/gensecrets [-dir pcaps/secrets]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imapscope/imapscope/internal/secretshapes"
)

// shapeInfo is one entry of a NAME.shapes.json file.
type shapeInfo struct {
	Name       string `json:"name"`
	Why        string `json:"why"`
	Password   string `json:"password"`
	WellFormed bool   `json:"well_formed"`
	Damage     string `json:"damage,omitempty"`
	At         int    `json:"at,omitempty"`
}

var damageNames = map[secretshapes.Damage]string{secretshapes.Lost: "lost", secretshapes.Snapped: "snapped", secretshapes.Ended: "ended"}

func write(dir, name string, shapes []secretshapes.Shape) error {
	var pcap bytes.Buffer
	if err := secretshapes.WritePcap(&pcap, shapes); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".pcap"), pcap.Bytes(), 0o644); err != nil {
		return err
	}
	info := make([]shapeInfo, len(shapes))
	for i, s := range shapes {
		info[i] = shapeInfo{Name: s.Name, Why: s.Why, Password: s.Password, WellFormed: s.WellFormed, Damage: damageNames[s.Damage], At: s.At}
	}
	js, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".shapes.json"), append(js, '\n'), 0o644)
}

func main() {
	dir := flag.String("dir", "pcaps/secrets", "directory to write the captures to")
	flag.Parse()
	for _, c := range []struct {
		name   string
		shapes []secretshapes.Shape
	}{{"malformed-login", secretshapes.CaptureShapes()}, {"starttls-injection", secretshapes.InjectionShapes()}} {
		if err := write(*dir, c.name, c.shapes); err != nil {
			fmt.Fprintln(os.Stderr, "gensecrets:", err)
			os.Exit(1)
		}
	}
}
