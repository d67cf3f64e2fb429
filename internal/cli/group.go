package cli

import (
	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

func init() {
	rootCommands = append(rootCommands, command.Lazy{Name: "group", Build: newGroupCommand})
}

// newGroupCommand mirrors `az group`.
func newGroupCommand(s Streams, g *command.Globals) *cobra.Command {
	var name, location string
	var tags []string
	create := &cobra.Command{
		Use: "create", Short: "Create a new resource group.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := required("--name/--resource-group/-n/-g", name, "--location/-l", location); err != nil {
				return err
			}
			body := map[string]any{"location": location}
			if len(tags) > 0 {
				body["tags"] = flags.Tags(tags)
			}
			return e.Put(e.Client.RGPath(name), apiResources, body, false)
		}),
	}
	create.Flags().StringVarP(&name, "name", "n", "", "Name of the new resource group.")
	create.Flags().StringVarP(&name, "resource-group", "g", "", "Name of the new resource group.")
	create.Flags().StringVarP(&location, "location", "l", "", "Location.")
	create.Flags().StringSliceVar(&tags, "tags", nil, "Space-separated tags: key[=value].")

	var showName string
	show := &cobra.Command{
		Use: "show", Short: "Gets a resource group.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := required("--name/--resource-group/-n/-g", showName); err != nil {
				return err
			}
			return e.Show(e.Client.RGPath(showName), apiResources)
		}),
	}
	show.Flags().StringVarP(&showName, "name", "n", "", "Name of the resource group.")
	show.Flags().StringVarP(&showName, "resource-group", "g", "", "Name of the resource group.")

	list := &cobra.Command{
		Use: "list", Short: "List resource groups.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			return e.List("/subscriptions/"+e.Client.Subscription+"/resourcegroups", apiResources)
		}),
	}

	var delName string
	var yes, noWait bool
	del := &cobra.Command{
		Use: "delete", Short: "Delete a resource group.", Args: cobra.NoArgs,
		RunE: cmdRun(s, g, func(e *env, _ *cobra.Command, _ []string) error {
			if err := required("--name/--resource-group/-n/-g", delName); err != nil {
				return err
			}
			if err := e.Confirm(yes); err != nil {
				return err
			}
			return e.Delete(e.Client.RGPath(delName), apiResources, noWait)
		}),
	}
	del.Flags().StringVarP(&delName, "name", "n", "", "Name of the resource group.")
	del.Flags().StringVarP(&delName, "resource-group", "g", "", "Name of the resource group.")
	del.Flags().BoolVarP(&yes, "yes", "y", false, "Do not prompt for confirmation.")
	del.Flags().BoolVar(&noWait, "no-wait", false, "Do not wait for the long-running operation to finish.")
	return command.Group("group", "Manage resource groups.", create, show, list, del)
}
