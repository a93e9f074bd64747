import { localCommand } from "./command";
import { dockerContainer } from "./container";
import { dockerNetwork, dockerProvider, dockerRemoteImage, dockerVolume } from "./dockerObjects";
import { dynamicResource } from "./dynamic";
import { randomBytesHandler, randomPassword } from "./random";
import { tlsCertRequest, tlsLocallySignedCert, tlsPrivateKey, tlsSelfSignedCert } from "./tls";
import type { ResourceHandler } from "./types";

const HANDLERS: Record<string, ResourceHandler> = {
  "random:index/randomPassword:RandomPassword": randomPassword,
  "random:index/randomBytes:RandomBytes": randomBytesHandler,
  "pulumi:providers:docker": dockerProvider,
  "docker:index/network:Network": dockerNetwork,
  "docker:index/volume:Volume": dockerVolume,
  "docker:index/remoteImage:RemoteImage": dockerRemoteImage,
  "docker:index/container:Container": dockerContainer,
  "command:local:Command": localCommand,
  "tls:index/privateKey:PrivateKey": tlsPrivateKey,
  "tls:index/certRequest:CertRequest": tlsCertRequest,
  "tls:index/selfSignedCert:SelfSignedCert": tlsSelfSignedCert,
  "tls:index/locallySignedCert:LocallySignedCert": tlsLocallySignedCert,
};

/** The handler that deploys resources of `type`; unknown types fail loudly. */
export function handlerFor(type: string): ResourceHandler {
  if (type.startsWith("pulumi-nodejs:dynamic")) return dynamicResource;
  const handler = HANDLERS[type];
  if (!handler) throw new Error(`the e2e harness cannot deploy resources of type ${type}; add a handler in test/e2e/harness/handlers/`);
  return handler;
}
