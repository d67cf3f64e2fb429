package kubenet

// Error codes returned by this package. Where Azure publishes a code for a
// rule the constant has Azure's exact spelling; the few codes Azure has no
// public name for are marked as aksnet's own.
const (
	// CodeCidrStringParseError: a CIDR or IP address string can't be parsed.
	CodeCidrStringParseError = "CidrStringParseError"
	// CodeInvalidCIDRNotation: a CIDR has host bits set (192.168.1.5/24).
	CodeInvalidCIDRNotation = "InvalidCIDRNotation"
	// CodeInvalidParameter: a value outside an enumeration or range that has
	// no more specific code (an unknown network plugin, a negative count).
	CodeInvalidParameter = "InvalidParameter"

	// CodeSubnetIsFull: a subnet has fewer free addresses than requested.
	CodeSubnetIsFull = "SubnetIsFull"
	// CodeInsufficientSubnetSize: the agent pools placed in a subnet need
	// more addresses than the subnet has usable.
	CodeInsufficientSubnetSize = "InsufficientSubnetSize"

	// CodeReservedAddressRangeConflict: the service CIDR, the pod CIDR or a
	// virtual network address prefix overlaps one of the ranges AKS refuses
	// (169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24). AKS has
	// no public error code for this rule; the name is aksnet's own, in the
	// style of AKS's other network-profile codes.
	CodeReservedAddressRangeConflict = "ReservedAddressRangeConflict"

	// CodeServiceCidrOverlapExistingSubnetsCidr: the service CIDR overlaps an
	// agent pool subnet or the virtual network.
	CodeServiceCidrOverlapExistingSubnetsCidr = "ServiceCidrOverlapExistingSubnetsCidr"
	// CodePodCidrOverlapExistingSubnetsCidr: the pod CIDR overlaps an agent
	// pool subnet or the virtual network.
	CodePodCidrOverlapExistingSubnetsCidr = "PodCidrOverlapExistingSubnetsCidr"
	// CodePodCidrOverlapServiceCidr: the pod CIDR overlaps the service CIDR.
	CodePodCidrOverlapServiceCidr = "PodCidrOverlapServiceCidr"
	// CodeInsufficientPodCidr: the pod CIDR can't give every node a /24.
	CodeInsufficientPodCidr = "InsufficientPodCidr"

	// CodeDnsServiceIpOutOfServiceCidr: the DNS service IP is outside the
	// service CIDR.
	CodeDnsServiceIpOutOfServiceCidr = "DnsServiceIpOutOfServiceCidr"
	// CodeDnsServiceIpConflicting: the DNS service IP is the network address
	// of the service CIDR or its .1, which the kubernetes service takes.
	CodeDnsServiceIpConflicting = "DnsServiceIpConflicting"
	// CodeDnsBroadcastAddressConflicting: the DNS service IP is the broadcast
	// address of the service CIDR.
	CodeDnsBroadcastAddressConflicting = "DnsBroadcastAddressConflicting"

	// CodeInsufficientMaxPods: maxPods is below MinMaxPods.
	CodeInsufficientMaxPods = "InsufficientMaxPods"
	// CodeInsufficientPodsPerNodePool: maxPods × count of a pool with nodes
	// is below MinPodsPerPool. No public source gives AKS's code for it, so
	// aksnet names it in the style of the codes above.
	CodeInsufficientPodsPerNodePool = "InsufficientPodsPerNodePool"
	// CodeMaxPodsLimitExceeded: maxPods is above MaxMaxPods.
	CodeMaxPodsLimitExceeded = "MaxPodsLimitExceeded"

	// CodeNetworkPolicyAzureNotSupportedForKubenet: networkPolicy "azure"
	// with networkPlugin "kubenet".
	CodeNetworkPolicyAzureNotSupportedForKubenet = "NetworkPolicyAzureNotSupportedForKubenet"
	// CodeAzureCNIOnlyForWindows: a Windows agent pool in a kubenet cluster.
	CodeAzureCNIOnlyForWindows = "AzureCNIOnlyForWindows"
	// CodeVirtualNodesNotSupportedWithKubenet: the virtual nodes add-on
	// (aciConnectorLinux) in a kubenet cluster. AKS has no public code for
	// this rule; the name is aksnet's own.
	CodeVirtualNodesNotSupportedWithKubenet = "VirtualNodesNotSupportedWithKubenet"

	// CodeRoutesPerRouteTableLimitExceeded: a kubenet cluster needs more
	// routes (one per node plus the custom routes of a bring-your-own table)
	// than a route table may hold. It mirrors the network resource provider's
	// "Routes per route table" limit, whose usage counter is named
	// RoutesPerRouteTable; Azure has no public code that AKS returns for it,
	// so the name is aksnet's own, built from that counter's name.
	CodeRoutesPerRouteTableLimitExceeded = "RoutesPerRouteTableLimitExceeded"

	// CodePropertyChangeNotAllowed: an update changes a property that is
	// fixed at creation (pod CIDR, service CIDR, DNS service IP, network
	// plugin).
	CodePropertyChangeNotAllowed = "PropertyChangeNotAllowed"

	// CodeAddressRangeInUse is used only by the capacity planner, never by
	// Validate: a network range of the layout overlaps a range the caller
	// says is already in use (for example on-premises behind ExpressRoute).
	// Azure accepts such layouts, so it has no code; the name is aksnet's.
	CodeAddressRangeInUse = "AddressRangeInUse"
)
