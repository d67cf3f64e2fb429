package arm

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/azerr"
)

// Region is one location the server offers, as GET
// /subscriptions/{id}/locations lists it.
type Region struct {
	Name        string
	DisplayName string
}

// Regions are the Azure public-cloud regions aksnet accepts: a location
// outside this list is refused as ARM refuses it. The list is Azure's
// physical regions (az account list-locations).
var Regions = []Region{
	{"eastus", "East US"}, {"eastus2", "East US 2"}, {"southcentralus", "South Central US"},
	{"westus2", "West US 2"}, {"westus3", "West US 3"}, {"australiaeast", "Australia East"},
	{"southeastasia", "Southeast Asia"}, {"northeurope", "North Europe"}, {"swedencentral", "Sweden Central"},
	{"uksouth", "UK South"}, {"westeurope", "West Europe"}, {"centralus", "Central US"},
	{"southafricanorth", "South Africa North"}, {"centralindia", "Central India"}, {"eastasia", "East Asia"},
	{"japaneast", "Japan East"}, {"koreacentral", "Korea Central"}, {"canadacentral", "Canada Central"},
	{"francecentral", "France Central"}, {"germanywestcentral", "Germany West Central"}, {"italynorth", "Italy North"},
	{"norwayeast", "Norway East"}, {"polandcentral", "Poland Central"}, {"spaincentral", "Spain Central"},
	{"switzerlandnorth", "Switzerland North"}, {"mexicocentral", "Mexico Central"}, {"uaenorth", "UAE North"},
	{"brazilsouth", "Brazil South"}, {"israelcentral", "Israel Central"}, {"qatarcentral", "Qatar Central"},
	{"newzealandnorth", "New Zealand North"}, {"northcentralus", "North Central US"}, {"westus", "West US"},
	{"japanwest", "Japan West"}, {"westcentralus", "West Central US"}, {"southafricawest", "South Africa West"},
	{"australiacentral", "Australia Central"}, {"australiacentral2", "Australia Central 2"},
	{"australiasoutheast", "Australia Southeast"}, {"koreasouth", "Korea South"}, {"southindia", "South India"},
	{"westindia", "West India"}, {"canadaeast", "Canada East"}, {"francesouth", "France South"},
	{"germanynorth", "Germany North"}, {"norwaywest", "Norway West"}, {"switzerlandwest", "Switzerland West"},
	{"ukwest", "UK West"}, {"uaecentral", "UAE Central"}, {"brazilsoutheast", "Brazil Southeast"},
	{"jioindiawest", "Jio India West"}, {"jioindiacentral", "Jio India Central"}, {"swedensouth", "Sweden South"},
}

var regionSet = func() map[string]bool {
	m := make(map[string]bool, len(Regions))
	for _, r := range Regions {
		m[r.Name] = true
	}
	return m
}()

// NormalizeLocation is ARM's normal form of a location: lowercase without
// spaces, so "East US" is "eastus".
func NormalizeLocation(loc string) string {
	return strings.ToLower(strings.ReplaceAll(loc, " ", ""))
}

// KnownLocation reports whether loc, in any ARM spelling, is a region the
// server offers.
func KnownLocation(loc string) bool { return regionSet[NormalizeLocation(loc)] }

func regionNames() string {
	names := make([]string, len(Regions))
	for i, r := range Regions {
		names[i] = r.Name
	}
	return strings.Join(names, ",")
}

// checkLocation refuses a PUT of a tracked kind whose body names a location
// the server doesn't offer, as ARM's front door does before the resource
// provider sees the request. A missing location is the kind's to refuse
// (LocationRequired); a body that isn't an object is the kind's to refuse
// too.
//
// ARM's answers (seen from Azure, e.g. Azure/azure-cli#16368 for resource
// groups, Azure/azure-rest-api-specs#8347 for resource types):
//
//	400 LocationNotAvailableForResourceGroup: The provided location 'x' is not available for resource group. List of available regions is '…'.
//	400 LocationNotAvailableForResourceType: The provided location 'x' is not available for resource type 'T'. List of available regions for the resource type is '…'.
func checkLocation(k *Kind, body []byte) error {
	if !k.Tracked || len(body) == 0 {
		return nil
	}
	var doc struct {
		Location *string `json:"location"`
	}
	if json.Unmarshal(body, &doc) != nil || doc.Location == nil || strings.TrimSpace(*doc.Location) == "" {
		return nil
	}
	if KnownLocation(*doc.Location) {
		return nil
	}
	if k.Type == resourceGroupType {
		return azerr.BadRequest("LocationNotAvailableForResourceGroup", "location",
			"The provided location '%s' is not available for resource group. List of available regions is '%s'.", *doc.Location, regionNames())
	}
	return azerr.BadRequest("LocationNotAvailableForResourceType", "location",
		"The provided location '%s' is not available for resource type '%s'. List of available regions for the resource type is '%s'.", *doc.Location, k.Type, regionNames())
}

// isLocationList reports whether p is GET /subscriptions/{id}/locations.
func isLocationList(p ResourceID) bool {
	return p.Subscription != "" && p.ResourceGroup == "" && p.Namespace == "" && len(p.Types) == 1 && strings.EqualFold(p.Types[0], "locations")
}

// location is one entry of ARM's Subscriptions - List Locations answer.
type location struct {
	ID                  string           `json:"id"`
	Name                string           `json:"name"`
	Type                string           `json:"type"`
	DisplayName         string           `json:"displayName"`
	RegionalDisplayName string           `json:"regionalDisplayName"`
	Metadata            locationMetadata `json:"metadata"`
}

type locationMetadata struct {
	RegionType string `json:"regionType"`
}

// serveLocations answers GET /subscriptions/{id}/locations: the regions a
// location must be one of. The caller needs read access on the
// subscription (Microsoft.Resources/subscriptions/locations/read).
func (s *Server) serveLocations(w http.ResponseWriter, r *http.Request, caller *Caller, p ResourceID) {
	scope, ok := s.subscriptionRead(w, r, caller, p.Subscription, "Microsoft.Resources/subscriptions/locations/read")
	if !ok {
		return
	}
	out := make([]location, len(Regions))
	for i, reg := range Regions {
		out[i] = location{ID: scope + "/locations/" + reg.Name, Name: reg.Name, Type: "Region", DisplayName: reg.DisplayName,
			RegionalDisplayName: reg.DisplayName, Metadata: locationMetadata{RegionType: "Physical"}}
	}
	WriteJSON(w, r, http.StatusOK, map[string]any{"value": out})
}

// subscriptionRead admits a read of a subscription-wide answer: a GET, of a
// subscription that exists, by a caller allowed action on it. It answers
// the request itself and reports false when the read may not go on, and
// otherwise returns the subscription's scope.
func (s *Server) subscriptionRead(w http.ResponseWriter, r *http.Request, caller *Caller, sub, action string) (string, bool) {
	if r.Method != http.MethodGet {
		WriteError(w, r, methodNotAllowed(r))
		return "", false
	}
	if err := s.requireSubscription(sub); err != nil {
		WriteError(w, r, err)
		return "", false
	}
	scope := SubscriptionID(sub)
	if err := s.authz.Authorize(caller, action, scope); err != nil {
		WriteError(w, r, err)
		return "", false
	}
	return scope, true
}
