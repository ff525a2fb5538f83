package connection

import (
	"k8s.io/apimachinery/pkg/types"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/lookup"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// Connection is a MorServer resolved once for one reconcile: its client and what else
// the resource's steps need to know of the server, all read from the same MorServer.
type Connection struct {
	Client *mor.Client
	// Lookups resolves names on this server, shared by every resource using the client.
	Lookups *lookup.Cache
	// Server is the MorServer's name, for messages.
	Server string
	// UID tells a MorServer from a later one of the same name.
	UID types.UID
	// Identity says which MOR this is: MorServers with the same one are the same MOR.
	Identity Identity
	// Version is MOR's version as the server's probe recorded it ("" until then).
	Version string
}

// Identity identifies a MOR server: where it is and who the operator is there.
type Identity struct{ URL, Username string }

// IdentityOf is the MOR a MorServer names.
func IdentityOf(s *v1alpha1.MorServer) Identity {
	return Identity{URL: s.Spec.URL, Username: s.Spec.Username}
}

func connectionTo(server *v1alpha1.MorServer, c cachedClient) *Connection {
	return &Connection{Client: c.client, Lookups: c.lookups, Server: server.Name, UID: server.UID, Identity: IdentityOf(server), Version: server.Status.Version}
}
