package benchgen

import (
	"errors"
	"testing"
)

// TestShortShape checks the wire of short sessions and their commands.
func TestShortShape(t *testing.T) {
	sum := checkWire(t, Options{Shape: ShapeShort, Sessions: 300, Concurrency: 50, IPv6Share: 0.3, Seed: 5})
	if sum.Sessions != 300 || sum.Commands != 900 || sum.Literals != 0 {
		t.Fatalf("sessions %d commands %d literals %d, want 300, 900, 0", sum.Sessions, sum.Commands, sum.Literals)
	}
	for _, k := range []string{"LOGIN", "SELECT", "LOGOUT"} {
		if sum.CommandsByKind[k] != 300 {
			t.Errorf("%s: %d, want 300", k, sum.CommandsByKind[k])
		}
	}
	if per := sum.Bytes / int64(sum.Sessions); per < 1<<10 || per > 6<<10 {
		t.Errorf("%d bytes per short session", per)
	}
}

// TestLongShape checks the wire of one long session and its command mix.
func TestLongShape(t *testing.T) {
	const n = 2000
	sum := checkWire(t, Options{Shape: ShapeLong, Commands: n, IPv6Share: -1, Seed: 9})
	if sum.Sessions != 1 || sum.Commands != n {
		t.Fatalf("sessions %d commands %d, want 1 and %d", sum.Sessions, sum.Commands, n)
	}
	loop := n - 4
	if got, want := sum.Literals, loop/longBodyEvery; got != want {
		t.Errorf("%d body fetches, want %d", got, want)
	}
	if sum.CommandsByKind["STORE"] == 0 || sum.CommandsByKind["UID FETCH"] < loop*8/10 {
		t.Errorf("command mix %v", sum.CommandsByKind)
	}
}

// TestShapeTarget checks that a TargetBytes capture of short sessions lands
// near its target from the first session on.
func TestShapeTarget(t *testing.T) {
	const target = 2 << 20
	b, sum, err := Capture(Options{Shape: ShapeShort, TargetBytes: target, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b); n < target*8/10 || n > target*12/10 {
		t.Fatalf("target %d bytes, got %d (%d sessions)", target, n, sum.Sessions)
	}
}

func TestParseShape(t *testing.T) {
	for _, s := range []Shape{ShapeMixed, ShapeShort, ShapeLong} {
		got, err := ParseShape(s.String())
		if err != nil || got != s {
			t.Errorf("ParseShape(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseShape("tiny"); !errors.Is(err, ErrOptions) {
		t.Errorf("ParseShape(tiny): %v", err)
	}
	if _, _, err := Capture(Options{Shape: ShapeLong, Commands: 3}); !errors.Is(err, ErrOptions) {
		t.Errorf("3 commands: %v", err)
	}
}
