package benchgen

import (
	"errors"
	"io"
	"testing"
)

// TestShapes checks the command counts of the short and long shapes and
// that neither carries a literal.
func TestShapes(t *testing.T) {
	sum, err := Write(io.Discard, Options{Sessions: 30, Shape: ShapeShort})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Commands != 30*6 || sum.Literals != 0 || sum.CommandsByKind["STORE"] != 30 {
		t.Errorf("short: %d commands, %d literals, by kind %v", sum.Commands, sum.Literals, sum.CommandsByKind)
	}
	sum, err = Write(io.Discard, Options{Sessions: 2, Shape: ShapeLong, Commands: 1001})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Commands != 2*1001 || sum.Literals != 0 || sum.CommandsByKind["LOGOUT"] != 2 {
		t.Errorf("long: %d commands, %d literals, by kind %v", sum.Commands, sum.Literals, sum.CommandsByKind)
	}
	if _, err := Write(io.Discard, Options{Shape: "round"}); !errors.Is(err, ErrOptions) {
		t.Errorf("unknown shape: %v", err)
	}
}
