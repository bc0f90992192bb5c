package io.ballast.reservation.budget;

import io.ballast.support.errors.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;

/**
 * One seeded run of the engine against simulated agents, gateway and worker on channels that lose, duplicate, delay
 * and reorder messages, with agents going away and coming back, guests changing their usage and writing into their
 * ballast, growth requests, migrations between two datastores and service restarts (the datastores given back as a
 * store would). The same seed replays the same run exactly.
 *
 * <p>The world is modelled to the MiB: each guest's ballast lies at the end of its disk, and the host image's
 * allocation is a bit per MiB. After every step the run checks that (1) no decision raised a datastore's demand above
 * its limit, (2) the engine's count of every disk's worst-case demand is never below the truth (the guest's real
 * ballast and the real backed MiB inside it; bytes a guest wrote back into punched ballast since the last punch
 * excepted, which no count can know before a reclaim finds them), and so (3) wherever the engine's terms hold, the
 * real demand is within the limit. At the end, with the channels made reliable and every agent back, everything must
 * settle: no command or reclaim left in flight, no growth pending, and the engine's unreclaimed bytes equal to what
 * is really backed.
 */
final class Simulation {

    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    private static final String MOUNT = "/";

    private final long seed;
    private final Random random;
    private final BudgetEngine engine;
    private final TreeMap<String, Datastore> datastores = new TreeMap<>();
    private final TreeMap<String, Guest> guests = new TreeMap<>();
    private final PriorityQueue<Message> network = new PriorityQueue<>();
    private final List<String> log = new ArrayList<>();
    private Instant now = Instant.parse("2026-12-05T00:00:00Z");
    private long sequence;
    private double loss;
    private double duplication;
    private int growths;
    private int migrations;
    private final java.util.Map<String, Integer> tally = new java.util.TreeMap<>();

    /** How often each kind of thing happened in the run, to show what the runs exercised. */
    java.util.Map<String, Integer> tally() {
        return tally;
    }

    private void count(String what) {
        tally.merge(what, 1, Integer::sum);
    }

    /** What a run found wrong, with the seed that replays it. */
    static final class Failure extends AssertionError {
        Failure(long seed, String what, List<String> log) {
            super("seed " + seed + ": " + what + "\nlast steps:\n  "
                    + String.join(
                            "\n  ",
                            log.subList(
                                    Boolean.getBoolean("ballast.simulation.fullLog") ? 0 : Math.max(0, log.size() - 25),
                                    log.size())));
        }
    }

    Simulation(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
        Random incarnations = new Random(seed ^ 0x5EED);
        this.engine = new BudgetEngine(EngineSettings.defaults(), () -> Long.toHexString(incarnations.nextLong()));
        this.loss = random.nextDouble() * 0.3;
        this.duplication = random.nextDouble() * 0.2;
    }

    /** Runs {@code steps} random steps, then the settling phase; throws {@link Failure} on the first broken check. */
    void run(int steps) {
        setUp();
        for (int step = 0; step < steps; step++) {
            step();
            check();
        }
        settle();
    }

    private void setUp() {
        for (String id : List.of("ds-a", "ds-b")) {
            datastores.put(id, new Datastore(id, 0, 0, DatastorePolicy.strict(0)));
        }
        int disks = 3 + random.nextInt(6);
        long[] capacity = new long[2];
        for (int i = 0; i < disks; i++) {
            String datastore = i % 2 == 0 ? "ds-a" : "ds-b";
            long designated = (8 + random.nextInt(56)) * GIB;
            long utilized = (long) (designated * (0.05 + random.nextDouble() * 0.4)) / MIB * MIB;
            Guest guest = new Guest("disk-" + i, "vm-" + i, datastore, designated, utilized);
            guests.put(guest.diskId, guest);
            capacity[i % 2] += designated;
        }
        // room for every disk at its full size: the runs start with the invariant holding
        apply(datastores.get("ds-a"), d -> engine.datastoreUpserted(d, capacity[0], 0, now));
        apply(datastores.get("ds-b"), d -> engine.datastoreUpserted(d, capacity[1], 0, now));
        for (Guest guest : guests.values()) {
            Datastore datastore = datastores.get(guest.datastoreId);
            apply(
                    datastore,
                    d -> engine.diskUpserted(
                            d,
                            new DiskFacts(
                                    guest.diskId, guest.vmId, guest.designated, 0, "/img/" + guest.diskId, "", true),
                            now));
            Profile profile = new Profile(
                    "p", 0.05 + random.nextDouble() * 0.2, 0.3 + random.nextDouble() * 0.3, random.nextInt(3) * 25);
            apply(datastore, d -> engine.vmUpserted(d, guest.vmId, Optional.of("host"), profile, now));
            report(guest);
        }
        // then less room than that, as when inventory corrects a datastore's size: the engine must inflate its way
        // back under the limit before it gives anything
        for (Datastore datastore : datastores.values()) {
            long used =
                    datastore.disks().stream().mapToLong(Disk::designatedBytes).sum();
            long capacity2 = (long) (used * (0.55 + random.nextDouble() * 0.3));
            apply(datastore, d -> engine.datastoreUpserted(d, capacity2, 0, now));
        }
    }

    private void step() {
        int choice = random.nextInt(100);
        if (choice < 35) {
            deliverSome();
        } else if (choice < 50) {
            now = now.plusSeconds(1 + random.nextInt(40));
            // agents report on a period: most reports arrive between two ticks
            guests.values().stream().filter(g -> g.online).forEach(this::reportMaybeLost);
            for (Datastore datastore : datastores.values()) {
                List<Room> rooms = datastores.values().stream().map(Room::of).toList();
                apply(datastore, d -> engine.tick(d, rooms, now));
            }
        } else if (choice < 62) {
            guests.values().stream().filter(g -> g.online).forEach(this::reportMaybeLost);
        } else if (choice < 70) {
            drift(pick());
        } else if (choice < 77) {
            requestGrowth(pick());
        } else if (choice < 83) {
            migrate(pick());
        } else if (choice < 88) {
            Guest guest = pick();
            guest.online = !guest.online;
            log.add("agent of " + guest.diskId + (guest.online ? " back" : " away"));
            if (guest.online) {
                guest.pending.ifPresent(command -> send(new Message.Command(guest.diskId, command), 0));
                guest.pending = Optional.empty();
            }
        } else if (choice < 91) {
            tamper(pick());
        } else if (choice < 94) {
            restart();
        } else {
            now = now.plusSeconds(1);
        }
    }

    // ---- the world -------------------------------------------------------------------------------------------------

    /** A guest: its disk, filesystem, ballast and agent, and the host image's allocation in MiB. */
    private static final class Guest {
        final String diskId;
        final String vmId;
        String datastoreId;
        final long designated;
        long utilized;
        long ballast;
        long lastGeneration;
        Optional<Message.Ack> lastAck = Optional.empty();
        boolean online = true;
        Optional<BallastCommand> pending = Optional.empty();
        final BitSet backed = new BitSet();
        final BitSet tampered = new BitSet();
        final java.util.Map<String, Message.Reclaimed> jobsDone = new java.util.HashMap<>();
        /** Jobs issued for an image the disk has since left: they punch that old image, not this one. */
        final java.util.Set<String> movedAway = new java.util.HashSet<>();

        Guest(String diskId, String vmId, String datastoreId, long designated, long utilized) {
            this.diskId = diskId;
            this.vmId = vmId;
            this.datastoreId = datastoreId;
            this.designated = designated;
            this.utilized = utilized;
        }

        int mib(long bytes) {
            return (int) (bytes / MIB);
        }

        /** The ballast's MiB: the last {@code ballast} bytes of the disk. */
        int ballastFrom() {
            return mib(designated - ballast);
        }

        long backedInBallast() {
            return backed.get(ballastFrom(), mib(designated)).cardinality() * MIB;
        }

        long tamperedInBallast() {
            return tampered.get(ballastFrom(), mib(designated)).cardinality() * MIB;
        }

        long trueDemand() {
            return designated - ballast + backedInBallast();
        }
    }

    private sealed interface Message extends Comparable<Message> {
        Instant at();

        long sequence();

        @Override
        default int compareTo(Message other) {
            int byTime = at().compareTo(other.at());
            return byTime != 0 ? byTime : Long.compare(sequence(), other.sequence());
        }

        record Command(String diskId, BallastCommand command, Instant at, long sequence) implements Message {
            Command(String diskId, BallastCommand command) {
                this(diskId, command, Instant.EPOCH, 0);
            }
        }

        record Ack(String diskId, long generation, long actual, boolean applied, Instant at, long sequence)
                implements Message {}

        record Reclaim(String diskId, PendingReclaim job, Instant at, long sequence) implements Message {}

        record Reclaimed(String diskId, String jobId, long tampered, Instant at, long sequence) implements Message {}
    }

    private void send(Message message, int extraDelaySeconds) {
        if (random.nextDouble() < loss) {
            log.add("lost " + describe(message));
            count("message lost");
            return;
        }
        int copies = random.nextDouble() < duplication ? 2 : 1;
        if (copies == 2) {
            count("message duplicated");
        }
        for (int i = 0; i < copies; i++) {
            Instant at = now.plusMillis(random.nextInt(20_000) + extraDelaySeconds * 1000L);
            network.add(stamp(message, at));
        }
    }

    private Message stamp(Message message, Instant at) {
        long seq = sequence++;
        return switch (message) {
            case Message.Command c -> new Message.Command(c.diskId(), c.command(), at, seq);
            case Message.Ack a -> new Message.Ack(a.diskId(), a.generation(), a.actual(), a.applied(), at, seq);
            case Message.Reclaim r -> new Message.Reclaim(r.diskId(), r.job(), at, seq);
            case Message.Reclaimed r -> new Message.Reclaimed(r.diskId(), r.jobId(), r.tampered(), at, seq);
        };
    }

    private void deliverSome() {
        int count = 1 + random.nextInt(4);
        for (int i = 0; i < count && !network.isEmpty(); i++) {
            Message message = network.poll();
            if (message.at().isAfter(now)) {
                now = message.at();
            }
            deliver(message);
        }
    }

    private void deliver(Message message) {
        log.add("deliver " + describe(message));
        switch (message) {
            case Message.Command command -> agentReceives(guests.get(command.diskId()), command.command());
            case Message.Ack ack -> {
                Guest guest = guests.get(ack.diskId());
                Datastore datastore = datastores.get(guest.datastoreId);
                if (datastore.disk(guest.diskId).isEmpty()) {
                    return;
                }
                if (ack.applied()) {
                    long actual = ack.actual();
                    Optional<List<Extent>> extents = Optional.of(
                            actual == 0 ? List.of() : List.of(new Extent(guest.designated - actual, actual)));
                    apply(
                            datastore,
                            d -> engine.ballastApplied(d, guest.diskId, MOUNT, ack.generation(), actual, extents, now));
                } else {
                    apply(
                            datastore,
                            d -> engine.ballastFailed(d, guest.diskId, MOUNT, ack.generation(), ack.actual(), now));
                }
            }
            case Message.Reclaim reclaim -> workerPunches(guests.get(reclaim.diskId()), reclaim.job());
            case Message.Reclaimed reclaimed -> {
                Guest guest = guests.get(reclaimed.diskId());
                Datastore datastore = datastores.get(guest.datastoreId);
                if (datastore.disk(guest.diskId).isPresent()) {
                    apply(
                            datastore,
                            d -> engine.reclaimFinished(d, guest.diskId, reclaimed.jobId(), reclaimed.tampered(), now));
                }
            }
        }
    }

    /** The gateway and agent: an offline agent's newest command waits; a generation is applied at most once. */
    private void agentReceives(Guest guest, BallastCommand command) {
        if (!guest.online) {
            if (guest.pending.isEmpty() || guest.pending.get().generation() <= command.generation()) {
                guest.pending = Optional.of(command);
            }
            return;
        }
        if (command.generation() < guest.lastGeneration) {
            return;
        }
        if (command.generation() == guest.lastGeneration) {
            guest.lastAck.ifPresent(ack -> send(ack, 0));
            return;
        }
        long free = guest.designated - guest.utilized - guest.ballast;
        Message.Ack ack;
        if (command.targetBytes() - guest.ballast > free) {
            ack = new Message.Ack(guest.diskId, command.generation(), guest.ballast, false, Instant.EPOCH, 0);
        } else {
            if (command.targetBytes() > guest.ballast) {
                // fallocate takes free blocks; some held guest data once and are still backed on the host
                int from = guest.mib(guest.designated - command.targetBytes());
                int to = guest.ballastFrom();
                for (int mib = from; mib < to; mib++) {
                    if (random.nextInt(4) == 0) {
                        guest.backed.set(mib);
                    }
                }
            }
            guest.ballast = command.targetBytes();
            ack = new Message.Ack(guest.diskId, command.generation(), guest.ballast, true, Instant.EPOCH, 0);
        }
        guest.lastGeneration = command.generation();
        guest.lastAck = Optional.of(ack);
        send(ack, 0);
    }

    /**
     * The worker: punches the job's extents, reporting what was written back into ranges punched before. A job id
     * it ran before is answered as before and not punched again. Punching a MiB that is no longer ballast would
     * destroy guest data: the run fails there.
     */
    private void workerPunches(Guest guest, PendingReclaim job) {
        Message.Reclaimed earlier = guest.jobsDone.get(job.jobId());
        if (earlier != null) {
            send(earlier, 0);
            return;
        }
        if (guest.movedAway.contains(job.jobId())) {
            send(new Message.Reclaimed(guest.diskId, job.jobId(), 0, Instant.EPOCH, 0), 0);
            return;
        }
        long tampered = 0;
        for (Extent extent : job.extents()) {
            int from = guest.mib(extent.diskOffsetBytes());
            int to = guest.mib(extent.diskOffsetBytes() + extent.lengthBytes());
            if (job.measureOnly()) {
                // a tamper check: measured, nothing punched, so ranges that stopped being ballast come to no harm
                tampered += writtenBack(guest, job, from, to);
                continue;
            }
            if (from < guest.ballastFrom()) {
                throw new Failure(
                        seed,
                        "reclaim job " + job.jobId() + " punches MiB " + from + " to " + to + " of " + guest.diskId
                                + ", but its ballast starts at MiB " + guest.ballastFrom() + ": guest data lost",
                        log);
            }
            if (job.previouslyReclaimed()) {
                tampered += writtenBack(guest, job, from, to);
            }
            guest.backed.clear(from, to);
            guest.tampered.clear(from, to);
        }
        Message.Reclaimed result = new Message.Reclaimed(guest.diskId, job.jobId(), tampered, Instant.EPOCH, 0);
        guest.jobsDone.put(job.jobId(), result);
        send(result, 0);
        count(tampered > 0 ? "reclaim found tampering" : "reclaim");
    }

    private void report(Guest guest) {
        Datastore datastore = datastores.get(guest.datastoreId);
        long free = guest.designated - guest.utilized - guest.ballast;
        List<FilesystemUsage> usage =
                List.of(new FilesystemUsage(MOUNT, guest.designated, guest.utilized, free, guest.ballast));
        apply(datastore, d -> engine.usageReported(d, guest.diskId, usage, now));
    }

    private void reportMaybeLost(Guest guest) {
        if (random.nextDouble() >= loss) {
            report(guest);
        }
    }

    private void drift(Guest guest) {
        long free = guest.designated - guest.utilized - guest.ballast;
        long change = (long) ((random.nextDouble() - 0.4) * 2 * GIB) / MIB * MIB;
        guest.utilized = Math.max(0, guest.utilized + Math.min(change, free));
        log.add("usage of " + guest.diskId + " now " + guest.utilized / MIB + " MiB");
    }

    /**
     * The bytes backed in MiB {@code from} to {@code to} that a job measuring ranges punched before reports as written
     * back. Every one must be a MiB the guest really wrote into its punched ballast: anything else backed there (blocks
     * the guest used before the ballast took them) was never punched, and calling it tampering would count it
     * against the guest for good.
     */
    private long writtenBack(Guest guest, PendingReclaim job, int from, int to) {
        java.util.BitSet backedThere = guest.backed.get(from, to);
        java.util.BitSet notWritten = (java.util.BitSet) backedThere.clone();
        notWritten.andNot(guest.tampered.get(from, to));
        if (!notWritten.isEmpty()) {
            throw new Failure(
                    seed,
                    "job " + job.jobId() + " measures MiB " + from + " to " + to + " of " + guest.diskId
                            + " as punched before, but " + notWritten.cardinality()
                            + " MiB backed there were never written back by the guest",
                    log);
        }
        return backedThere.cardinality() * MIB;
    }

    private void tamper(Guest guest) {
        if (guest.ballast == 0) {
            return;
        }
        int from = guest.ballastFrom();
        int to = guest.mib(guest.designated);
        int mib = from + random.nextInt(to - from);
        int length = Math.min(to - mib, 1 + random.nextInt(64));
        guest.backed.set(mib, mib + length);
        guest.tampered.set(mib, mib + length);
        log.add("guest of " + guest.diskId + " wrote " + length + " MiB into its ballast");
    }

    private void requestGrowth(Guest guest) {
        Datastore datastore = datastores.get(guest.datastoreId);
        long room = datastore
                .disk(guest.diskId)
                .map(d -> d.designatedBytes() - d.budgetBytes())
                .orElse(0L);
        // mostly within what the disk could grow by, sometimes past it
        long bytes = Math.max(MIB, (long) (random.nextDouble() * 1.2 * room) / MIB * MIB);
        String id = "growth-" + growths++;
        try {
            BudgetEngine.GrowthOutcome outcome = engine.requestGrowth(
                    datastore,
                    id,
                    guest.diskId,
                    bytes,
                    datastores.values().stream().map(Room::of).toList(),
                    now);
            log.add(id + " of " + bytes / MIB + " MiB for " + guest.diskId + ": "
                    + outcome.growth().state());
            count("growth " + outcome.growth().state().name().toLowerCase(java.util.Locale.ROOT));
            route(outcome.decision());
        } catch (Refusal refusal) {
            log.add(id + " refused: " + refusal.getMessage());
            count("growth not taken");
        }
    }

    private void migrate(Guest guest) {
        Datastore source = datastores.get(guest.datastoreId);
        Datastore target = datastores.get(guest.datastoreId.equals("ds-a") ? "ds-b" : "ds-a");
        Optional<Migration> open = target.migrations().stream()
                .filter(m -> m.diskId().equals(guest.diskId) && m.open())
                .findFirst();
        try {
            if (open.isEmpty()) {
                String id = "migration-" + migrations++;
                Duration ttl = Duration.ofSeconds(30 + random.nextInt(300));
                BudgetEngine.MigrationOutcome outcome =
                        engine.prepareMigration(source, target, id, guest.diskId, ttl, now);
                log.add(id + " of " + guest.diskId + " to " + target.id() + ": "
                        + outcome.migration().state());
                route(outcome.decision());
            } else if (random.nextBoolean()) {
                Decision decision =
                        engine.commitMigration(source, target, open.get().id(), guest.diskId, now);
                log.add("commit " + open.get().id() + " of " + guest.diskId);
                count("migration committed");
                // the copy wrote every ballast MiB as data: all of it is backed on the new image; jobs still on their
                // way were for the old image
                guest.backed.set(guest.ballastFrom(), guest.mib(guest.designated));
                network.stream()
                        .filter(m ->
                                m instanceof Message.Reclaim r && r.diskId().equals(guest.diskId))
                        .forEach(m ->
                                guest.movedAway.add(((Message.Reclaim) m).job().jobId()));
                guest.datastoreId = target.id();
                route(decision);
            } else {
                route(engine.abortMigration(target, open.get().id(), guest.diskId, now));
                log.add("abort " + open.get().id() + " of " + guest.diskId);
            }
        } catch (Refusal refusal) {
            log.add("migration of " + guest.diskId + " refused: " + refusal.getMessage());
        }
    }

    /** A service restart: the datastores as a store gives them back; the channels keep what they carry. */
    private void restart() {
        datastores.replaceAll((id, datastore) -> datastore.copy());
        log.add("restart");
        count("restart");
    }

    // ---- the engine's side -----------------------------------------------------------------------------------------

    private void apply(Datastore datastore, java.util.function.Function<Datastore, Decision> call) {
        route(call.apply(datastore));
    }

    private void route(Decision decision) {
        if (decision.invariantViolations() > 0) {
            throw new Failure(seed, "a decision raised demand above a limit", log);
        }
        for (Effect effect : decision.effects()) {
            switch (effect) {
                case Effect.SendBallast send -> {
                    log.add("send " + send.diskId() + " gen " + send.command().generation() + " -> "
                            + send.command().targetBytes() / MIB + " MiB");
                    send(new Message.Command(send.diskId(), send.command()), 0);
                    count(
                            send.command().attempts() > 1
                                    ? "command resent"
                                    : send.command().inflates() ? "inflate" : "deflate");
                }
                case Effect.RequestReclaim reclaim ->
                    send(new Message.Reclaim(reclaim.diskId(), reclaim.reclaim(), Instant.EPOCH, 0), 0);
                case Effect.RaiseAlert alert -> {
                    log.add("alert " + alert.alert().kind());
                    count("alert " + alert.alert().kind().name().toLowerCase(java.util.Locale.ROOT));
                }
                case Effect.RecommendMigration recommendation ->
                    log.add("recommend " + recommendation.recommendation());
            }
        }
    }

    private void check() {
        for (Datastore datastore : datastores.values()) {
            long trueDemand = datastore.otherBytes();
            long tampered = 0;
            for (Disk disk : datastore.disks()) {
                Guest guest = guests.get(disk.id());
                long counted = disk.worstCaseDemandBytes();
                if (counted + guest.tamperedInBallast() < guest.trueDemand()) {
                    throw new Failure(
                            seed,
                            "disk " + disk.id() + " counts " + counted + " bytes of demand but takes "
                                    + guest.trueDemand() + " (ballast " + guest.ballast + ", backed in it "
                                    + guest.backedInBallast() + "; engine: " + disk + ")",
                            log);
                }
                trueDemand += guest.trueDemand();
                tampered += guest.tamperedInBallast();
            }
            InvariantTerms terms = datastore.terms();
            trueDemand += terms.holdBytes();
            if (terms.holds() && trueDemand - tampered > terms.limitBytes()) {
                throw new Failure(
                        seed,
                        "datastore " + datastore.id() + " holds by its terms " + terms + " but really takes "
                                + trueDemand,
                        log);
            }
        }
    }

    /** Reliable channels, every agent back, time passing: everything must come to rest. */
    private void settle() {
        loss = 0;
        duplication = 0;
        for (Guest guest : guests.values()) {
            if (!guest.online) {
                guest.online = true;
                guest.pending.ifPresent(command -> send(new Message.Command(guest.diskId, command), 0));
                guest.pending = Optional.empty();
            }
        }
        for (int round = 0; round < 200; round++) {
            now = now.plusSeconds(31);
            guests.values().forEach(this::report);
            while (!network.isEmpty()) {
                Message message = network.poll();
                if (message.at().isAfter(now)) {
                    now = message.at();
                }
                deliver(message);
                check();
            }
            for (Datastore datastore : datastores.values()) {
                List<Room> rooms = datastores.values().stream().map(Room::of).toList();
                apply(datastore, d -> engine.tick(d, rooms, now));
            }
            check();
            if (network.isEmpty() && atRest()) {
                verifyRest();
                return;
            }
        }
        throw new Failure(seed, "did not come to rest: " + datastores.values(), log);
    }

    private boolean atRest() {
        for (Datastore datastore : datastores.values()) {
            for (Disk disk : datastore.disks()) {
                if (disk.command().isPresent() || !disk.reclaims().isEmpty()) {
                    return false;
                }
            }
            if (datastore.growths().stream().anyMatch(g -> g.state() == Growth.State.PENDING)) {
                return false;
            }
        }
        return true;
    }

    private void verifyRest() {
        for (Datastore datastore : datastores.values()) {
            datastore
                    .growths()
                    .forEach(g -> count("growth ended " + g.state().name().toLowerCase(java.util.Locale.ROOT)));
            for (Disk disk : datastore.disks()) {
                Guest guest = guests.get(disk.id());
                if (disk.countedBallastBytes() != guest.ballast) {
                    throw new Failure(
                            seed,
                            "at rest " + disk + " counts " + disk.countedBallastBytes()
                                    + " bytes of ballast, the guest holds " + guest.ballast,
                            log);
                }
                long backed = guest.backedInBallast() - guest.tamperedInBallast();
                long slack = disk.ballast(MOUNT).map(BallastSlot::tamperedBytes).orElse(0L);
                if (disk.unreclaimedBytes() < backed || disk.unreclaimedBytes() > Math.max(backed, slack)) {
                    throw new Failure(
                            seed,
                            "at rest " + disk + " counts " + disk.unreclaimedBytes() + " unreclaimed bytes, " + backed
                                    + " are backed",
                            log);
                }
            }
        }
    }

    private Guest pick() {
        List<Guest> all = new ArrayList<>(guests.values());
        return all.get(random.nextInt(all.size()));
    }

    private static String describe(Message message) {
        return switch (message) {
            case Message.Command c ->
                "command " + c.diskId() + " gen " + c.command().generation();
            case Message.Ack a ->
                (a.applied() ? "ack " : "failure ") + a.diskId() + " gen " + a.generation() + " " + a.actual() / MIB
                        + " MiB";
            case Message.Reclaim r -> "reclaim job " + r.job().jobId();
            case Message.Reclaimed r -> "reclaimed " + r.jobId() + " tampered " + r.tampered();
        };
    }
}
