package dataplane

import (
	"math"
	"net/netip"
	"reflect"
)

// fabricMemo keeps the fabric namespaces compile built last, by name, with
// the digest of what they were built from: a pass whose VNet and realised
// NICs did not change (a pod added, a service changed) reuses the fabric
// instead of rebuilding its hundreds of routes and rules, and the same
// *NSState lets the reconciler reuse its fingerprint.
type fabricMemo map[string]memoEntry

type memoEntry struct {
	key   uint64
	state *NSState
}

// fabricKey digests everything compileFabric reads for VNet v: the VNet
// itself (subnets, effective routes, NSGs, NICs) and, for every realised
// NIC in order, the public IP of its node's cluster. ok is false when a
// value cannot be digested, and then nothing is reused.
func fabricKey(v *VNet, nics []nicRef) (key uint64, ok bool) {
	f := fpPool.Get().(*fpHash)
	defer fpPool.Put(f)
	f.b = f.b[:0]
	if !f.value(reflect.ValueOf(v).Elem()) {
		return 0, false
	}
	f.int(len(nics))
	for _, r := range nics {
		f.str(r.nic.ID)
		if r.cluster != nil {
			f.addr(r.cluster.PublicIP)
		} else {
			f.int(-1)
		}
	}
	return f.sum(), true
}

// fabric returns the fabric namespace name of VNet v with realised NICs
// nics, reused from the last compile when its inputs are the same.
func (m fabricMemo) fabric(name string, v *VNet, nics []nicRef, subnets map[string]*Subnet) *NSState {
	if m == nil {
		return compileFabric(nics, subnets)
	}
	key, ok := fabricKey(v, nics)
	if e, hit := m[name]; ok && hit && e.key == key {
		return e.state
	}
	s := compileFabric(nics, subnets)
	if ok {
		m[name] = memoEntry{key: key, state: s}
	} else {
		delete(m, name)
	}
	return s
}

// keep forgets the fabrics w no longer has.
func (m fabricMemo) keep(w World) {
	for name := range m {
		if _, ok := w[name]; !ok {
			delete(m, name)
		}
	}
}

var (
	addrType   = reflect.TypeFor[netip.Addr]()
	prefixType = reflect.TypeFor[netip.Prefix]()
)

// value writes any plain-data value, field by field, generically, so that a
// field added to the model is part of the digest without anyone
// remembering it. Maps are order-free. It reports false for kinds that are
// not plain data (functions, channels).
func (f *fpHash) value(v reflect.Value) bool {
	switch v.Type() {
	case addrType:
		if !v.CanInterface() {
			return false
		}
		f.addr(v.Interface().(netip.Addr))
		return true
	case prefixType:
		if !v.CanInterface() {
			return false
		}
		f.prefix(v.Interface().(netip.Prefix))
		return true
	}
	return f.scalar(v) || f.composite(v)
}

// scalar writes v when it is a boolean, number or string.
func (f *fpHash) scalar(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Bool:
		f.int(b2i(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f.int(int(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		f.u64(v.Uint())
	case reflect.Float32, reflect.Float64:
		f.u64(math.Float64bits(v.Float()))
	case reflect.String:
		f.str(v.String())
	default:
		return false
	}
	return true
}

// composite writes a list, struct, pointer, interface or map, element by
// element; false for any other kind, or an element that is not plain data.
func (f *fpHash) composite(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		f.int(v.Len())
		for i := range v.Len() {
			if !f.value(v.Index(i)) {
				return false
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if !f.value(v.Field(i)) {
				return false
			}
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			f.int(-1)
			return true
		}
		f.int(1)
		return f.value(v.Elem())
	case reflect.Map:
		return f.mapValue(v)
	default:
		return false
	}
	return true
}

// mapValue writes a map as the set of its entries.
func (f *fpHash) mapValue(v reflect.Value) bool {
	f.int(v.Len())
	var sum uint64
	it := v.MapRange()
	for it.Next() {
		e := f.element()
		if !e.value(it.Key()) || !e.value(it.Value()) {
			return false
		}
		sum += e.sum()
	}
	f.u64(sum)
	return true
}
