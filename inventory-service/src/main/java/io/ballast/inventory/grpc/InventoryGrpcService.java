package io.ballast.inventory.grpc;

import com.google.protobuf.Timestamp;
import io.ballast.inventory.events.FleetMessages;
import io.ballast.inventory.fleet.Page;
import io.ballast.inventory.fleet.store.FleetReads;
import io.ballast.inventory.lease.Lease;
import io.ballast.inventory.lease.store.LeaseStore;
import io.ballast.proto.inventory.v1.AcquireVmLeaseRequest;
import io.ballast.proto.inventory.v1.AcquireVmLeaseResponse;
import io.ballast.proto.inventory.v1.GetDatastoreRequest;
import io.ballast.proto.inventory.v1.GetDatastoreResponse;
import io.ballast.proto.inventory.v1.GetHostRequest;
import io.ballast.proto.inventory.v1.GetHostResponse;
import io.ballast.proto.inventory.v1.GetVirtualDiskRequest;
import io.ballast.proto.inventory.v1.GetVirtualDiskResponse;
import io.ballast.proto.inventory.v1.GetVmRequest;
import io.ballast.proto.inventory.v1.GetVmResponse;
import io.ballast.proto.inventory.v1.ListDatastoresRequest;
import io.ballast.proto.inventory.v1.ListDatastoresResponse;
import io.ballast.proto.inventory.v1.ListHostsRequest;
import io.ballast.proto.inventory.v1.ListHostsResponse;
import io.ballast.proto.inventory.v1.ListVirtualDisksRequest;
import io.ballast.proto.inventory.v1.ListVirtualDisksResponse;
import io.ballast.proto.inventory.v1.ListVmsRequest;
import io.ballast.proto.inventory.v1.ListVmsResponse;
import io.ballast.proto.inventory.v1.MutinyInventoryServiceGrpc;
import io.ballast.proto.inventory.v1.ReleaseVmLeaseRequest;
import io.ballast.proto.inventory.v1.ReleaseVmLeaseResponse;
import io.ballast.proto.inventory.v1.RenewVmLeaseRequest;
import io.ballast.proto.inventory.v1.RenewVmLeaseResponse;
import io.ballast.proto.inventory.v1.VmLease;
import io.ballast.support.errors.Refusal;
import io.ballast.support.security.Roles;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code ballast.inventory.v1.InventoryService}: the fleet as recorded (reads, {@code viewer}) and VM leases with
 * fencing tokens ({@code operator}: what a worker right-sizing a VM's disks holds). Pages are in id order; a page's
 * {@code next_page_token} is the id to continue after. Gone records are left out.
 */
@GrpcService
@Blocking
public class InventoryGrpcService extends MutinyInventoryServiceGrpc.InventoryServiceImplBase {

    private static final int DEFAULT_PAGE = 100;

    private final FleetReads reads;
    private final LeaseStore leases;

    InventoryGrpcService(FleetReads reads, LeaseStore leases) {
        this.reads = reads;
        this.leases = leases;
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<GetHostResponse> getHost(GetHostRequest request) {
        return answer(GetHostResponse.newBuilder()
                .setHost(FleetMessages.host(reads.host(request.getHostId())))
                .build());
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<ListHostsResponse> listHosts(ListHostsRequest request) {
        var page = reads.hosts(after(request.getPageToken()), pageSize(request.getPageSize()), false);
        ListHostsResponse.Builder response = ListHostsResponse.newBuilder();
        page.items().forEach(host -> response.addHosts(FleetMessages.host(host)));
        page.next().ifPresent(response::setNextPageToken);
        return answer(response.build());
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<GetDatastoreResponse> getDatastore(GetDatastoreRequest request) {
        return answer(GetDatastoreResponse.newBuilder()
                .setDatastore(FleetMessages.datastore(reads.datastore(request.getDatastoreId())))
                .build());
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<ListDatastoresResponse> listDatastores(ListDatastoresRequest request) {
        var page = reads.datastores(
                optional(request.getHostId()), after(request.getPageToken()), pageSize(request.getPageSize()), false);
        ListDatastoresResponse.Builder response = ListDatastoresResponse.newBuilder();
        page.items().forEach(datastore -> response.addDatastores(FleetMessages.datastore(datastore)));
        page.next().ifPresent(response::setNextPageToken);
        return answer(response.build());
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<GetVmResponse> getVm(GetVmRequest request) {
        return answer(GetVmResponse.newBuilder()
                .setVm(FleetMessages.vm(reads.vm(request.getVmId())))
                .build());
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<ListVmsResponse> listVms(ListVmsRequest request) {
        var filter = new FleetReads.VmFilter(
                optional(request.getHostId()),
                optional(request.getDatastoreId()),
                Optional.empty(),
                Optional.empty(),
                false);
        var page = reads.vms(filter, after(request.getPageToken()), pageSize(request.getPageSize()));
        ListVmsResponse.Builder response = ListVmsResponse.newBuilder();
        page.items().forEach(vm -> response.addVms(FleetMessages.vm(vm)));
        page.next().ifPresent(response::setNextPageToken);
        return answer(response.build());
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<GetVirtualDiskResponse> getVirtualDisk(GetVirtualDiskRequest request) {
        return answer(GetVirtualDiskResponse.newBuilder()
                .setDisk(FleetMessages.disk(reads.disk(request.getDiskId())))
                .build());
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<ListVirtualDisksResponse> listVirtualDisks(ListVirtualDisksRequest request) {
        var filter = new FleetReads.DiskFilter(optional(request.getVmId()), optional(request.getDatastoreId()), false);
        var page = reads.disks(filter, after(request.getPageToken()), pageSize(request.getPageSize()));
        ListVirtualDisksResponse.Builder response = ListVirtualDisksResponse.newBuilder();
        page.items().forEach(disk -> response.addDisks(FleetMessages.disk(disk)));
        page.next().ifPresent(response::setNextPageToken);
        return answer(response.build());
    }

    @Override
    @RolesAllowed(Roles.OPERATOR)
    public Uni<AcquireVmLeaseResponse> acquireVmLease(AcquireVmLeaseRequest request) {
        Lease lease = leases.acquire(request.getVmId(), request.getHolder(), ttl(request.getTtlSeconds()));
        return answer(
                AcquireVmLeaseResponse.newBuilder().setLease(message(lease)).build());
    }

    @Override
    @RolesAllowed(Roles.OPERATOR)
    public Uni<RenewVmLeaseResponse> renewVmLease(RenewVmLeaseRequest request) {
        Lease lease = leases.renew(request.getVmId(), token(request.getFencingToken()), ttl(request.getTtlSeconds()));
        return answer(RenewVmLeaseResponse.newBuilder().setLease(message(lease)).build());
    }

    @Override
    @RolesAllowed(Roles.OPERATOR)
    public Uni<ReleaseVmLeaseResponse> releaseVmLease(ReleaseVmLeaseRequest request) {
        leases.release(request.getVmId(), token(request.getFencingToken()));
        return answer(ReleaseVmLeaseResponse.getDefaultInstance());
    }

    private static VmLease message(Lease lease) {
        return VmLease.newBuilder()
                .setVmId(lease.vmId())
                .setHolder(lease.holder())
                .setFencingToken(lease.token())
                .setExpiresAt(Timestamp.newBuilder()
                        .setSeconds(lease.expiresAt().getEpochSecond())
                        .setNanos(lease.expiresAt().getNano()))
                .build();
    }

    private static Duration ttl(int unsignedSeconds) {
        return Duration.ofSeconds(Integer.toUnsignedLong(unsignedSeconds));
    }

    private static long token(long unsigned) {
        if (unsigned <= 0) {
            throw new Refusal.InvalidInput("fencing_token", "a token is a positive number a grant gave");
        }
        return unsigned;
    }

    private static int pageSize(int unsigned) {
        long size = Integer.toUnsignedLong(unsigned);
        if (size > Page.MAX_SIZE) {
            throw new Refusal.InvalidInput("page_size", "must be at most " + Page.MAX_SIZE);
        }
        return size == 0 ? DEFAULT_PAGE : (int) size;
    }

    private static Optional<String> after(String pageToken) {
        return optional(pageToken);
    }

    private static Optional<String> optional(String value) {
        return value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    private static <T> Uni<T> answer(T response) {
        return Uni.createFrom().item(response);
    }
}
