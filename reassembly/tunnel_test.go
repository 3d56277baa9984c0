package reassembly

import "testing"

// TestERSPAN3LayerTypeFree: the ERSPAN III layer type is not one gopacket
// registered (an unregistered type prints as its number).
func TestERSPAN3LayerTypeFree(t *testing.T) {
	if s := layerTypeERSPAN3.String(); s != "200" {
		t.Errorf("layer type 200 is registered by gopacket as %q", s)
	}
}
