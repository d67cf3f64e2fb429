package armtest

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
)

func TestStart_SDKRoundTrip(t *testing.T) {
	e := Start(t)
	ctx := context.Background()
	cred := e.Credential(t)
	rg, err := armresources.NewResourceGroupsClient(e.Creds.SubscriptionID, cred, e.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rg.CreateOrUpdate(ctx, "rg1", armresources.ResourceGroup{Location: to.Ptr("eastus")}, nil); err != nil {
		t.Fatal(err)
	}
	vn, err := armnetwork.NewVirtualNetworksClient(e.Creds.SubscriptionID, cred, e.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	poller, err := vn.BeginCreateOrUpdate(ctx, "rg1", "vnet1", armnetwork.VirtualNetwork{
		Location: to.Ptr("eastus"),
		Properties: &armnetwork.VirtualNetworkPropertiesFormat{
			AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr("192.168.0.0/16")}},
			Subnets:      []*armnetwork.Subnet{{Name: to.Ptr("s1"), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr("192.168.1.0/24")}}},
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := poller.PollUntilDone(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := *res.Properties.Subnets[0].ID; got == "" {
		t.Fatal("subnet has no id")
	}
	dp, err := vn.BeginDelete(ctx, "rg1", "vnet1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dp.PollUntilDone(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := vn.Get(ctx, "rg1", "vnet1", nil); err == nil {
		t.Fatal("vnet still exists after delete")
	}
}
