package redisstreams

import (
	"github.com/instream/instream"
)

// xgroupArgs builds XGROUP CREATE or SETID.
func xgroupArgs(sub, key string, a instream.GroupArgs) []any {
	id := a.ID.String()
	if a.FromEnd {
		id = "$"
	}
	args := []any{"XGROUP", sub, key, a.Group, id}
	if a.MkStream && sub == "CREATE" {
		args = append(args, "MKSTREAM")
	}
	if a.EntriesRead != nil {
		args = append(args, "ENTRIESREAD", *a.EntriesRead)
	}
	return args
}

// CreateGroup is [instream.Engine.CreateGroup] over XGROUP CREATE.
func (c *Client) CreateGroup(key string, args instream.GroupArgs) error {
	err := c.groupCmd("CREATE", key, args)
	if err != nil {
		err = wrap(err, "create group %q on %q", args.Group, key)
	}
	return err
}

// SetGroupID is [instream.Engine.SetGroupID] over XGROUP SETID.
func (c *Client) SetGroupID(key string, args instream.GroupArgs) error {
	err := c.groupCmd("SETID", key, args)
	if err != nil {
		err = wrap(err, "set id of group %q on %q", args.Group, key)
	}
	return err
}

func (c *Client) groupCmd(sub, key string, args instream.GroupArgs) error {
	if c.closed() {
		return instream.ErrClosed
	}
	if err := args.Validate(); err != nil {
		return err
	}
	if sub == "SETID" && args.MkStream {
		return invalid("MkStream is set for SetGroupID")
	}
	_, err := c.do(bg, xgroupArgs(sub, key, args)...)
	return err
}

// DestroyGroup is [instream.Engine.DestroyGroup] over XGROUP DESTROY.
func (c *Client) DestroyGroup(key, group string) (bool, error) {
	v, err := c.do(bg, "XGROUP", "DESTROY", key, group)
	if err != nil {
		return false, wrap(err, "destroy group %q on %q", group, key)
	}
	n, err := intReply("XGROUP DESTROY", v)
	return n == 1, err
}

// CreateConsumer is [instream.Engine.CreateConsumer] over XGROUP
// CREATECONSUMER.
func (c *Client) CreateConsumer(key string, args instream.ConsumerArgs) (bool, error) {
	if err := c.checkConsumer(args); err != nil {
		return false, wrap(err, "create consumer %q in group %q on %q", args.Consumer, args.Group, key)
	}
	v, err := c.do(bg, "XGROUP", "CREATECONSUMER", key, args.Group, args.Consumer)
	if err != nil {
		return false, wrap(err, "create consumer %q in group %q on %q", args.Consumer, args.Group, key)
	}
	n, err := intReply("XGROUP CREATECONSUMER", v)
	return n == 1, err
}

// DeleteConsumer is [instream.Engine.DeleteConsumer] over XGROUP
// DELCONSUMER.
func (c *Client) DeleteConsumer(key string, args instream.ConsumerArgs) (int64, error) {
	if err := c.checkConsumer(args); err != nil {
		return 0, wrap(err, "delete consumer %q in group %q on %q", args.Consumer, args.Group, key)
	}
	v, err := c.do(bg, "XGROUP", "DELCONSUMER", key, args.Group, args.Consumer)
	if err != nil {
		return 0, wrap(err, "delete consumer %q in group %q on %q", args.Consumer, args.Group, key)
	}
	return intReply("XGROUP DELCONSUMER", v)
}

func (c *Client) checkConsumer(args instream.ConsumerArgs) error {
	if c.closed() {
		return instream.ErrClosed
	}
	return args.Validate()
}
