package io.ballast.worker.move;

import java.nio.file.Path;

/**
 * The mover in a process of its own, for tests that kill it: {@code MoveProcess IMAGE SOURCE DESTINATION LENGTH
 * CHUNK}. Prints {@code moved N} after each chunk and {@code done} at the end.
 */
public final class MoveProcess {

    private MoveProcess() {}

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        Move move = new Move(Long.parseLong(args[1]), Long.parseLong(args[2]), Long.parseLong(args[3]));
        ExtentMover mover = new ExtentMover(Integer.parseInt(args[4]));
        mover.move(image, move, (done, total) -> System.out.println("moved " + done));
        System.out.println("done");
    }
}
