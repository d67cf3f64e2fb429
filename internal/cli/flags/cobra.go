package flags

// defineCobra registers x's long option l as a plain pflag flag.
func (s *Set) defineCobra(x *Flag, l, short string) {
	fl := s.cmd.Flags()
	switch x.kind {
	case kindString:
		fl.StringVarP(x.str, l, short, *x.str, x.help)
	case kindInt:
		fl.IntVarP(x.num, l, short, *x.num, x.help)
	case kindSwitch:
		fl.BoolVarP(x.boolean, l, short, *x.boolean, x.help)
	case kindList:
		fl.StringSliceVarP(x.list, l, short, *x.list, x.help)
	default:
		panic("flags: Cobra style has no optional-value booleans: " + l)
	}
}
