package reassembly

import "os"

// CheckInputs opens every input and reads its capture header, so that a
// missing, unreadable or non-capture input is found before any output is
// written. Standard input (StdinName) and FIFOs, sockets and devices are
// only checked to exist: reading them would consume them (and a FIFO's
// writer, left without a reader, would be killed by SIGPIPE). The error is
// an *InputError naming the first bad input.
func CheckInputs(inputs []string) error {
	for _, name := range inputs {
		if name == StdinName {
			continue
		}
		if fi, err := os.Stat(name); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
			continue
		}
		if err := checkInput(name); err != nil {
			return &InputError{Name: name, Err: err}
		}
	}
	return nil
}

// checkInput opens name and sniffs its header.
func checkInput(name string) error {
	r, err := openInput(name)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = newSource(r)
	return err
}
