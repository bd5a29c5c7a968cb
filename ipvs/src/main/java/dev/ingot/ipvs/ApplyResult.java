package dev.ingot.ipvs;

/**
 * What one {@link Dataplane#apply} did.
 *
 * @param servicesAdded    virtual services created
 * @param servicesEdited   virtual services whose scheduler, flags or persistence changed
 * @param servicesDeleted  virtual services removed (with their real servers)
 * @param destsAdded       real servers added
 * @param destsEdited      real servers whose weight or forwarding method changed
 * @param destsDeleted     real servers removed
 * @param readKernel       whether the kernel's state was read (rather than the view kept from the last apply)
 * @param retried          whether a refusal made it read the kernel again and retry once
 * @param nanos            time taken
 */
public record ApplyResult(int servicesAdded, int servicesEdited, int servicesDeleted, int destsAdded,
                          int destsEdited, int destsDeleted, boolean readKernel, boolean retried, long nanos) {
    public int changes() {
        return servicesAdded + servicesEdited + servicesDeleted + destsAdded + destsEdited + destsDeleted;
    }
}
