package io.ballast.inventory.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What is read from libvirt's XML, and what is refused. */
class DomainXmlTest {

    @Test
    void aDiskWithoutATargetIsRefusedNotGuessed() {
        assertThatThrownBy(
                        () -> DomainXml.disks(
                                "<domain><devices><disk type='file' device='disk'><source file='/a.img'/></disk></devices></domain>"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target");
    }

    @Test
    void xmlThatDoesNotParseOrIsAnotherDocumentIsRefused() {
        assertThatThrownBy(() -> DomainXml.disks("<domain><devices>"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not parse");
        assertThatThrownBy(() -> DomainXml.disks("<pool/>"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("<domain>");
        assertThatThrownBy(() -> DomainXml.disks(
                        "<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain>&x;</domain>"))
                .as("no document types, no external entities")
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDiskWithNoDeviceAttributeIsADiskAndOneWithNoTypeAFile() {
        assertThat(DomainXml.disks("<domain><devices><disk><source file='/a.img'/><target dev='sda'/></disk>"
                        + "<disk device='lun' type='block'><source dev='/dev/sdz'/><target dev='sdb'/></disk>"
                        + "</devices></domain>"))
                .singleElement()
                .satisfies(disk -> {
                    assertThat(disk.kind()).isEqualTo(Discovered.SourceKind.FILE);
                    assertThat(disk.sourcePath()).isEqualTo("/a.img");
                    assertThat(disk.targetDev()).isEqualTo("sda");
                });
    }

    @Test
    void aPoolsPathAndAVolumesFormatAreRead() {
        assertThat(DomainXml.poolPath("<pool type='dir'><target><path> /datastores/x </path></target></pool>"))
                .isEqualTo("/datastores/x");
        assertThat(DomainXml.poolPath("<pool type='rbd'/>")).isEmpty();
        assertThat(DomainXml.volumeFormat("<volume><target><format type='qcow2'/></target></volume>"))
                .isEqualTo("qcow2");
    }
}
