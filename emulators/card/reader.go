package card

import (
	"context"
	"fmt"

	"github.com/paylab/paylab/harness/device"
)

// Reader is a card slot with this emulated card permanently inserted: each
// Connect powers the card up again (Reset) and hands it out. It lets a
// terminal that takes a device.Reader run against the emulator in process.
type Reader struct {
	name string
	card *Card
}

var _ device.Reader = (*Reader)(nil)

// NewReader returns a slot named name holding c.
func NewReader(name string, c *Card) *Reader { return &Reader{name: name, card: c} }

// Name returns the slot's name.
func (r *Reader) Name() string { return r.name }

// Connect powers the card up and returns it.
func (r *Reader) Connect(ctx context.Context) (device.Card, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("connect card: %w", err)
	}
	r.card.Reset()
	return r.card, nil
}

// Card returns the emulated card in the slot (for its Snapshot).
func (r *Reader) Card() *Card { return r.card }
