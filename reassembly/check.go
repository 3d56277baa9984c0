package reassembly

// CheckInputs opens every input and reads its capture header, so that a
// missing, unreadable or non-capture input is found before any output is
// written. Standard input (StdinName) is not checked: reading it would
// consume it. The error is an *InputError naming the first bad input.
func CheckInputs(inputs []string) error {
	for _, name := range inputs {
		if name == StdinName {
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
