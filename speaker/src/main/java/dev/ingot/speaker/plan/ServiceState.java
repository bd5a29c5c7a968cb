package dev.ingot.speaker.plan;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the speaker needs to know of one Service, taken from the Service and its EndpointSlices. Free of Kubernetes
 * client types, so that decisions can be tested as pure functions.
 *
 * @param namespace the Service's namespace
 * @param name the Service's name
 * @param type {@code spec.type}
 * @param loadBalancerClass {@code spec.loadBalancerClass}, when set
 * @param ingressIps {@code status.loadBalancer.ingress[].ip}, as written by the controller
 * @param localTrafficPolicy {@code externalTrafficPolicy: Local}
 * @param ports {@code spec.ports}
 * @param annotations the Service's annotations
 * @param endpoints every endpoint of every EndpointSlice of the Service
 */
public record ServiceState(String namespace, String name, String type, Optional<String> loadBalancerClass,
                           List<String> ingressIps, boolean localTrafficPolicy, List<Port> ports,
                           Map<String, String> annotations, List<Endpoint> endpoints) {

    public ServiceState {
        ingressIps = List.copyOf(ingressIps);
        ports = List.copyOf(ports);
        annotations = Map.copyOf(annotations);
        endpoints = List.copyOf(endpoints);
    }

    public String key() {
        return namespace + "/" + name;
    }

    /**
     * A Service port.
     *
     * @param name the port's name ("" when the Service has one unnamed port)
     * @param protocol TCP, UDP or SCTP
     * @param port the port clients connect to on the VIP
     */
    public record Port(String name, String protocol, int port) {}

    /**
     * One endpoint (one address of an EndpointSlice endpoint) with the ports its slice lists.
     *
     * @param address the pod's address
     * @param nodeName the node the pod runs on ("" when unknown)
     * @param ready {@code conditions.ready} (absent counts as true)
     * @param serving {@code conditions.serving} (absent: the value of ready)
     * @param terminating {@code conditions.terminating} (absent counts as false)
     * @param ports the slice's ports: port name to {@code (protocol, number)}
     */
    public record Endpoint(String address, String nodeName, boolean ready, boolean serving, boolean terminating,
                           Map<String, EndpointPort> ports) {
        public Endpoint {
            ports = Map.copyOf(ports);
        }
    }

    /** A port of an EndpointSlice: the protocol and the number the pod listens on. */
    public record EndpointPort(String protocol, int port) {}
}
