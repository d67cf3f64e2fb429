package arm

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/azerr"
)

// apiVersionRE matches every api-version shape ARM serves: a date with an
// optional pre-release suffix, e.g. 2022-01-01, 2020-04-01-preview.
var apiVersionRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(-(preview|privatepreview|beta|alpha))?$`)

// firstAPIYear is the year of the oldest api-version ARM ever shipped.
const firstAPIYear = 2014

// checkAPIVersion enforces the api-version query parameter before a request
// is routed: it must be present, a real calendar date from 2014 up to two
// years ahead, with an optional pre-release suffix. Whether the type served
// at the path knows the version is checked once the path is resolved
// (checkTypeVersion).
func checkAPIVersion(r *http.Request) error {
	v := r.URL.Query().Get("api-version")
	if v == "" {
		return azerr.BadRequest("MissingApiVersionParameter", "api-version", "The api-version query parameter (?api-version=) is required for all requests.")
	}
	if !plausibleVersion(v) {
		return azerr.BadRequest("InvalidApiVersionParameter", "api-version", "The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(descending(armVersions), ","))
	}
	return nil
}

// plausibleVersion reports whether v has ARM's shape and a date from 2014
// to two years from now.
func plausibleVersion(v string) bool {
	m := apiVersionRE.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	d, err := time.Parse("2006-01-02", m[1]+"-"+m[2]+"-"+m[3])
	return err == nil && d.Year() >= firstAPIYear && !d.After(time.Now().AddDate(2, 0, 0))
}

// namespaceVersions are the api-versions Azure publishes for each namespace
// aksnet serves, oldest first. Every type of a namespace is served at every
// version of it (aksnet has one model per type, which takes the union of the
// versions' fields), unless its Kind sets APIVersions. They come from the
// version folders of Azure/azure-rest-api-specs and from ARM's own error
// answers that list them (NoRegisteredProviderFound for networkInterfaces in
// Azure/azure-cli#28496, for managedClusters in Azure/azure-cli#28368;
// InvalidApiVersionParameter for Microsoft.Resources in Azure/azure-cli#28038
// and ansible-collections/azure#1739). They include what the clients aksnet
// is driven by send (az 2.91's newer ones, read from its install by
// e2e/az291, are served as newer than the lists: network 2025-09-01, AKS
// 2026-03-02-preview, resources 2025-11-01, identities 2025-05-31-preview,
// authorization's 2024-09-01-preview; its others are listed): az 2.45 (/work/shared/reference/az-cli.md: resources
// 2021-04-01, subscriptions 2019-11-01, network 2022-01-01 and 2021-08-01,
// AKS 2022-11-01, its operations 2016-03-30, get-versions 2019-04-01,
// identities 2022-01-31-preview, role assignments 2020-04-01-preview, role
// definitions 2018-01-01-preview); the Go SDK modules go.mod pins (network
// 2024-05-01 and 2018-10-01, AKS 2025-02-01, identities 2024-11-30,
// authorization 2022-04-01, 2020-10-01 and 2015-07-01, resources
// 2021-04-01); and terraform azurerm's go-azure-sdk, as the azurerm that
// e2e/terraform builds imports it (resource groups 2023-07-01, providers
// 2022-09-01, AKS 2025-10-01 and 2026-04-01, network 2025-01-01, 2023-11-01
// and 2023-09-01, scale sets 2025-04-01, identities 2024-11-30,
// authorization 2022-04-01 and 2022-05-01-preview).
//
// A version newer than a namespace's newest is served too (see
// versionServed): a client released after this table (az 2.91 and later)
// must not be refused for being new.
var namespaceVersions = map[string][]string{
	"microsoft.resources": armVersions,
	"microsoft.network": {
		"2014-12-01-preview", "2015-05-01-preview", "2015-06-15", "2016-03-30", "2016-06-01", "2016-07-01",
		"2016-08-01", "2016-09-01", "2016-10-01", "2016-11-01", "2016-12-01", "2017-03-01", "2017-04-01",
		"2017-06-01", "2017-08-01", "2017-09-01", "2017-10-01", "2017-11-01", "2018-01-01", "2018-02-01",
		"2018-03-01", "2018-04-01", "2018-05-01", "2018-06-01", "2018-07-01", "2018-08-01", "2018-10-01",
		"2018-11-01", "2018-12-01", "2019-02-01", "2019-04-01", "2019-06-01", "2019-07-01", "2019-08-01",
		"2019-09-01", "2019-11-01", "2019-12-01", "2020-03-01", "2020-04-01", "2020-05-01", "2020-06-01",
		"2020-07-01", "2020-08-01", "2020-11-01", "2021-02-01", "2021-03-01", "2021-04-01", "2021-05-01",
		"2021-06-01", "2021-08-01", "2021-12-01", "2022-01-01", "2022-05-01", "2022-07-01", "2022-09-01",
		"2022-11-01", "2023-02-01", "2023-04-01", "2023-05-01", "2023-06-01", "2023-09-01", "2023-11-01",
		"2024-01-01", "2024-03-01", "2024-05-01", "2024-07-01", "2024-10-01", "2025-01-01", "2025-03-01",
		"2025-05-01", "2025-07-01",
	},
	"microsoft.containerservice": aksVersions(),
	"microsoft.managedidentity": {
		"2015-08-31-preview", "2018-11-30", "2021-09-30-preview", "2022-01-31-preview", "2023-01-31",
		"2023-07-31-preview", "2024-11-30", "2025-01-31-preview",
	},
	"microsoft.authorization": {
		"2014-04-01-preview", "2014-07-01-preview", "2014-10-01-preview", "2015-06-01", "2015-07-01",
		"2017-05-01", "2018-01-01-preview", "2018-07-01", "2018-09-01-preview", "2018-12-01-preview",
		"2019-08-01-preview", "2020-03-01-preview", "2020-04-01-preview", "2020-08-01-preview",
		"2020-10-01", "2020-10-01-preview", "2021-03-01-preview", "2021-07-01-preview",
		"2021-12-01-preview", "2022-01-01-preview", "2022-04-01", "2022-04-01-preview", "2022-05-01-preview",
		"2022-08-01-preview",
	},
	"microsoft.compute": {
		"2015-05-01-preview", "2015-06-15", "2016-03-30", "2016-04-30-preview", "2016-08-30", "2017-03-30",
		"2017-12-01", "2018-04-01", "2018-06-01", "2018-10-01", "2019-03-01", "2019-07-01", "2019-12-01",
		"2020-06-01", "2020-12-01", "2021-03-01", "2021-04-01", "2021-07-01", "2021-11-01", "2022-03-01",
		"2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01", "2024-03-01", "2024-07-01",
		"2024-11-01", "2025-04-01",
	},
}

// armVersions are the versions of ARM's own types (Microsoft.Resources:
// subscriptions, resource groups, resources, providers), oldest first, as
// ARM lists them in InvalidApiVersionParameter (Azure/azure-cli#28038),
// with the later resources swagger folders.
var armVersions = sortedVersions(
	"2014-04", "2014-02-26", "2013-03-01", "2014-01-01", "2014-04-01", "2014-04-01-preview", "2015-01-01",
	"2015-11-01", "2016-02-01", "2016-06-01", "2016-07-01", "2016-09-01", "2017-03-01", "2017-05-01",
	"2017-05-10", "2017-06-01", "2017-08-01", "2017-12-01", "2018-01-01", "2018-02-01", "2018-05-01",
	"2018-06-01", "2018-07-01", "2018-08-01", "2018-09-01", "2018-11-01", "2019-03-01", "2019-05-01",
	"2019-05-10", "2019-06-01", "2019-07-01", "2019-08-01", "2019-09-01", "2019-10-01", "2019-11-01",
	"2020-01-01", "2020-05-01", "2020-06-01", "2020-07-01", "2020-08-01", "2020-09-01", "2020-10-01",
	"2021-01-01", "2021-04-01", "2022-01-01", "2022-03-01-preview", "2022-05-01", "2022-06-01",
	"2022-09-01", "2022-11-01-preview", "2022-12-01", "2023-03-01-preview", "2023-07-01-preview",
	"2023-07-01", "2024-03-01", "2024-06-01-preview", "2024-07-01", "2024-08-01", "2024-11-01",
	"2025-03-01", "2025-04-01",
)

// sortedVersions returns vs sorted, which for ARM's date versions is
// oldest first.
func sortedVersions(vs ...string) []string {
	slices.Sort(vs)
	return vs
}

// aksVersions are AKS's versions: 2016-03-30 (its operations, which az
// polls with it) and 2017-07-01 (container services), then
// managedClusters' from 2017-08-31 on, every month's stable and -preview
// from 2022 (Azure/azure-cli#28368 lists them through 2023-11-01).
func aksVersions() []string {
	out := []string{
		"2016-03-30", "2017-07-01", "2017-08-31", "2018-03-31", "2019-02-01", "2019-04-01", "2019-06-01",
		"2019-08-01", "2019-10-01", "2019-11-01", "2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01",
		"2020-06-01", "2020-07-01", "2020-09-01", "2020-11-01", "2020-12-01", "2021-02-01", "2021-03-01",
		"2021-05-01", "2021-07-01", "2021-08-01", "2021-09-01", "2021-10-01", "2022-01-01", "2022-01-02-preview",
		"2022-02-01", "2022-03-01", "2022-03-02-preview", "2022-04-01", "2022-04-02-preview", "2022-05-02-preview",
		"2022-06-01", "2022-06-02-preview", "2022-07-01", "2022-07-02-preview", "2022-08-01", "2022-08-02-preview",
		"2022-08-03-preview", "2022-09-01", "2022-09-02-preview", "2022-10-02-preview", "2022-11-01",
		"2022-11-02-preview",
	}
	for y := 2023; y <= 2025; y++ {
		for m := 1; m <= 12; m++ {
			d := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
			out = append(out, d.Format("2006-01-02"), d.AddDate(0, 0, 1).Format("2006-01-02")+"-preview")
		}
	}
	return out
}

// descending returns vs newest first, as InvalidApiVersionParameter lists
// them.
func descending(vs []string) []string {
	out := slices.Clone(vs)
	slices.Reverse(out)
	return out
}

// APIVersionList returns the api-versions k is served at, oldest first:
// its own list, else its namespace's.
func (k *Kind) APIVersionList() []string {
	if len(k.APIVersions) > 0 {
		return k.APIVersions
	}
	if strings.EqualFold(k.ns, "Microsoft.Compute") && slices.ContainsFunc(k.types, func(t string) bool {
		return strings.EqualFold(t, "networkInterfaces") || strings.EqualFold(t, "publicIPAddresses")
	}) {
		return scaleSetNetworkVersions
	}
	return namespaceVersions[strings.ToLower(k.ns)]
}

// scaleSetNetworkVersions serve the network interfaces and public
// addresses of scale set VMs, which live under Microsoft.Compute's path
// but are the network RP's: clients send either namespace's version (az
// 2.45's vmss nic list 2016-03-30, az 2.91's 2023-09-01, armnetwork/v6's
// 2018-10-01).
var scaleSetNetworkVersions = func() []string {
	all := slices.Concat(namespaceVersions["microsoft.compute"], namespaceVersions["microsoft.network"])
	slices.Sort(all)
	return slices.Compact(all)
}()

// NamespaceVersions returns the api-versions of the namespace ns, oldest
// first, or nil for a namespace aksnet has no list for.
func NamespaceVersions(ns string) []string { return namespaceVersions[strings.ToLower(ns)] }

// versionServed reports whether v, a plausible version (checkAPIVersion),
// is served for a type whose versions are vs: one of them, or newer than
// all of them, so that a client released after aksnet's list is not
// refused. An empty list serves every plausible version.
func versionServed(v string, vs []string) bool {
	if len(vs) == 0 || slices.Contains(vs, v) {
		return true
	}
	return v[:10] > newest(vs)
}

// typeServes reports whether a type of namespace ns with versions vs
// serves v. ARM's own types (Microsoft.Resources) also take any version a
// namespace aksnet serves has: aksnet has always served groups and
// subscriptions at every plausible version, and scripts and tests read a
// group with the version they use for its resources, so only a version
// no served namespace knows is refused there (docs/fidelity.md).
func typeServes(v, ns string, vs []string) bool {
	if versionServed(v, vs) {
		return true
	}
	if !strings.EqualFold(ns, "Microsoft.Resources") {
		return false
	}
	for _, other := range namespaceVersions {
		if slices.Contains(other, v) {
			return true
		}
	}
	return false
}

// newest returns the latest date of vs (the first ten characters).
func newest(vs []string) string {
	n := ""
	for _, v := range vs {
		if len(v) >= 10 && v[:10] > n {
			n = v[:10]
		}
	}
	return n
}

// checkTypeVersion answers a version the type named by ns and shortType
// does not serve as ARM does: InvalidApiVersionParameter for ARM's own
// types (Microsoft.Resources), listing its versions newest first, and
// NoRegisteredProviderFound for a provider's, listing the versions oldest
// first and the locations (Azure/azure-cli#28496):
//
//	No registered resource provider found for location 'eastus' and API version '2023-11-01' for type 'networkInterfaces'. The supported api-versions are '2014-12-01-preview, …'. The supported locations are '…'.
//
// location is the request's location, "*" when it names none.
func checkTypeVersion(v, ns, shortType string, vs []string, location string) error {
	if typeServes(v, ns, vs) {
		return nil
	}
	if strings.EqualFold(ns, "Microsoft.Resources") {
		return azerr.BadRequest("InvalidApiVersionParameter", "api-version", "The api-version '%s' is invalid. The supported versions are '%s'.", v, strings.Join(descending(vs), ","))
	}
	if location == "" {
		location = "*"
	}
	return azerr.BadRequest("NoRegisteredProviderFound", "api-version",
		"No registered resource provider found for location '%s' and API version '%s' for type '%s'. The supported api-versions are '%s'. The supported locations are '%s'.",
		location, v, shortType, strings.Join(vs, ", "), strings.Join(regionList(), ", "))
}

// regionList returns the names of Regions.
func regionList() []string {
	out := make([]string, len(Regions))
	for i, r := range Regions {
		out[i] = r.Name
	}
	return out
}
