package benchgen

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Shapes of the generated sessions (Options.Shape).
const (
	// ShapeMixed (the default) is mailbox work with message bodies:
	// about ten commands and 160 KB of literals per session.
	ShapeMixed = "mixed"
	// ShapeShort is a login, a select, a search, a store and a logout, no
	// literal (about 3 KB per session): the many-sessions runs.
	ShapeShort = "short"
	// ShapeLong is a login, a select, then Options.Commands commands in
	// all (STOREs and SEARCHes, no literal), as a synchronisation run over
	// a large mailbox does: the long-session runs.
	ShapeLong = "long"
)

// Shapes lists the valid Options.Shape values.
var Shapes = []string{ShapeMixed, ShapeShort, ShapeLong}

// DefaultLongCommands is the number of commands of a ShapeLong session
// when Options.Commands is zero.
const DefaultLongCommands = 200_000

// checkShape validates the shape options.
func checkShape(o Options) error {
	if o.Shape != "" && !slices.Contains(Shapes, o.Shape) {
		return fmt.Errorf("%w: unknown shape %q (want %v)", ErrOptions, o.Shape, Shapes)
	}
	if o.Commands < 0 {
		return fmt.Errorf("%w: negative command count", ErrOptions)
	}
	return nil
}

// buildShaped draws a ShapeShort or ShapeLong conversation into c.steps
// (c's parameters already drawn); it reports false for ShapeMixed.
func (c *convo) buildShaped(r *rand.Rand, sum *Summary) bool {
	if c.shape != ShapeShort && c.shape != ShapeLong {
		return false
	}
	tag := 0
	cmd := func(k, resp stepKind, arg int) {
		tag++
		c.steps = append(c.steps, step{kind: k, dir: client, tag: tag, arg: arg}, step{kind: resp, dir: server, tag: tag, arg: arg})
		sum.Commands++
		sum.CommandsByKind[commandOf[k]]++
	}
	c.steps = append(c.steps, step{kind: stGreeting, dir: server})
	cmd(stCapability, stCapabilityResp, 0)
	cmd(stLogin, stLoginResp, 0)
	cmd(stSelect, stSelectResp, 0)
	n := 2 // SEARCH, STORE
	if c.shape == ShapeLong {
		total := c.commands
		if total == 0 {
			total = DefaultLongCommands
		}
		n = total - 4 // less CAPABILITY, LOGIN, SELECT and LOGOUT

	}
	for i := range max(n, 0) {
		if i%2 == 0 {
			cmd(stSearch, stSearchResp, 0)
		} else {
			cmd(stStore, stStoreResp, 1+r.IntN(c.exists))
		}
	}
	cmd(stLogout, stLogoutResp, 0)
	return true
}
