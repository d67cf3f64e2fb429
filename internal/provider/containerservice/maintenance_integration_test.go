package containerservice_test

import (
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/aksnet/aksnet/internal/armtest"
)

func weeklyWindow(hours int32, start string) *armcontainerservice.MaintenanceConfiguration {
	return &armcontainerservice.MaintenanceConfiguration{Properties: &armcontainerservice.MaintenanceConfigurationProperties{
		MaintenanceWindow: &armcontainerservice.MaintenanceWindow{
			DurationHours: to.Ptr(hours), StartTime: to.Ptr(start), UTCOffset: to.Ptr("+00:00"),
			Schedule: &armcontainerservice.Schedule{Weekly: &armcontainerservice.WeeklySchedule{
				DayOfWeek: to.Ptr(armcontainerservice.WeekDayMonday), IntervalWeeks: to.Ptr[int32](1)}},
		},
	}}
}

// azurerm reads a cluster's three maintenance configurations on every
// read and expects 404 for those that don't exist; a maintenance_window
// block PUTs "default" (issue 18). The SDK's client drives the whole cycle.
func TestMaintenanceConfigurations_Lifecycle(t *testing.T) {
	h := newHarness(t)
	n, _ := h.articleCluster(t, 1)
	mcs, err := armcontainerservice.NewMaintenanceConfigurationsClient(h.Sub, h.Cred, h.Env.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"default", "aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"} {
		_, err := mcs.Get(h.Ctx, n.rg, "c", name, nil)
		want{Status: http.StatusNotFound, Code: "ResourceNotFound", Mentions: []string{name}}.CheckSDK(t, err)
	}
	def := armcontainerservice.MaintenanceConfiguration{Properties: &armcontainerservice.MaintenanceConfigurationProperties{
		TimeInWeek: []*armcontainerservice.TimeInWeek{{Day: to.Ptr(armcontainerservice.WeekDaySunday), HourSlots: []*int32{to.Ptr[int32](1), to.Ptr[int32](2)}}},
	}}
	got, err := mcs.CreateOrUpdate(h.Ctx, n.rg, "c", "default", def, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Name != "default" || len(got.Properties.TimeInWeek) != 1 || len(got.Properties.TimeInWeek[0].HourSlots) != 2 {
		t.Errorf("PUT default answered %+v", got.Properties)
	}
	if _, err := mcs.CreateOrUpdate(h.Ctx, n.rg, "c", "aksManagedAutoUpgradeSchedule", *weeklyWindow(4, "02:00"), nil); err != nil {
		t.Fatal(err)
	}
	read, err := mcs.Get(h.Ctx, n.rg, "c", "aksManagedAutoUpgradeSchedule", nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := read.Properties.MaintenanceWindow; w == nil || *w.DurationHours != 4 || *w.StartTime != "02:00" || *w.Schedule.Weekly.DayOfWeek != armcontainerservice.WeekDayMonday {
		t.Errorf("GET answered %+v", read.Properties)
	}
	var names []string
	for _, page := range armtest.AllPages(h.Harness, mcs.NewListByManagedClusterPager(n.rg, "c", nil)) {
		for _, v := range page.Value {
			names = append(names, *v.Name)
		}
	}
	if len(names) != 2 {
		t.Errorf("list: %v, want default and aksManagedAutoUpgradeSchedule", names)
	}
	if _, err := mcs.Delete(h.Ctx, n.rg, "c", "default", nil); err != nil {
		t.Fatal(err)
	}
	_, err = mcs.Get(h.Ctx, n.rg, "c", "default", nil)
	want{Status: http.StatusNotFound, Code: "ResourceNotFound"}.CheckSDK(t, err)
	// Deleting the cluster takes its configurations with it.
	h.deleteCluster(n.rg, "c")
	if r := h.Do(http.MethodGet, h.RGID(n.rg)+"/providers/Microsoft.ContainerService/managedClusters/c/maintenanceConfigurations/aksManagedAutoUpgradeSchedule?api-version=2025-02-01", nil); r.Status != http.StatusNotFound {
		t.Errorf("after the cluster's delete: %d %s", r.Status, r.Body)
	}
}

func TestMaintenanceConfigurations_BadInput(t *testing.T) {
	h := newHarness(t)
	n, _ := h.articleCluster(t, 1)
	mcs, err := armcontainerservice.NewMaintenanceConfigurationsClient(h.Sub, h.Cred, h.Env.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	twoSchedules := weeklyWindow(4, "02:00")
	twoSchedules.Properties.MaintenanceWindow.Schedule.Daily = &armcontainerservice.DailySchedule{IntervalDays: to.Ptr[int32](1)}
	badOffset := weeklyWindow(4, "02:00")
	badOffset.Properties.MaintenanceWindow.UTCOffset = to.Ptr("05:30")
	weekly0 := weeklyWindow(4, "02:00")
	weekly0.Properties.MaintenanceWindow.Schedule.Weekly.IntervalWeeks = to.Ptr[int32](0)
	for _, tc := range []struct {
		name, config string
		body         *armcontainerservice.MaintenanceConfiguration
		target       string
		mention      string
	}{
		{"too short", "aksManagedAutoUpgradeSchedule", weeklyWindow(3, "02:00"), "properties.maintenanceWindow.durationHours", "got 3"},
		{"too long", "aksManagedNodeOSUpgradeSchedule", weeklyWindow(25, "02:00"), "properties.maintenanceWindow.durationHours", "got 25"},
		{"bad start time", "aksManagedAutoUpgradeSchedule", weeklyWindow(4, "24:00"), "properties.maintenanceWindow.startTime", "24:00"},
		{"two schedules", "aksManagedAutoUpgradeSchedule", twoSchedules, "properties.maintenanceWindow.schedule", "got 2"},
		{"bad offset", "aksManagedAutoUpgradeSchedule", badOffset, "properties.maintenanceWindow.utcOffset", "05:30"},
		{"interval 0", "aksManagedAutoUpgradeSchedule", weekly0, "properties.maintenanceWindow.schedule.weekly.intervalWeeks", "got 0"},
		{"no window", "aksManagedNodeOSUpgradeSchedule", &armcontainerservice.MaintenanceConfiguration{}, "properties.maintenanceWindow", "aksManagedNodeOSUpgradeSchedule"},
		{"nothing scheduled", "default", &armcontainerservice.MaintenanceConfiguration{}, "properties.timeInWeek", "default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mcs.CreateOrUpdate(h.Ctx, n.rg, "c", tc.config, *tc.body, nil)
			want{Status: http.StatusBadRequest, Code: "InvalidParameter", Target: tc.target, Mentions: []string{tc.mention}}.CheckSDK(t, err)
			if _, err := mcs.Get(h.Ctx, n.rg, "c", tc.config, nil); err == nil {
				t.Errorf("the refused %s was stored", tc.config)
			}
		})
	}
	_, err = mcs.CreateOrUpdate(h.Ctx, n.rg, "missing", "default", *weeklyWindow(4, "02:00"), nil)
	want{Status: http.StatusNotFound, Code: "ParentResourceNotFound", Mentions: []string{"missing"}}.CheckSDK(t, err)
}
