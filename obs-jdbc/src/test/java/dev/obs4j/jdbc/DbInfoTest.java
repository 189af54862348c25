/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Every URL form of the drivers obs4j names, read to system, database, host and port, with a credential
 * planted wherever the form allows one: the user name {@code sandy} and the password {@code Pw0rd} (or
 * {@code 4711}, a password that looks like a port) reach no field.
 */
class DbInfoTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '^', value = {
      // PostgreSQL (pgjdbc): one host, several, IPv6, no host at all, credentials as parameters
      "jdbc:postgresql://db1:5433/shop?user=sandy&password=Pw0rd | postgresql | postgresql | shop | db1 | 5433",
      "jdbc:postgresql://db1/shop | postgresql | postgresql | shop | db1 | 5432",
      "jdbc:postgresql://db1:5433,db2:5434/shop?targetServerType=primary&password=Pw0rd | postgresql | postgresql | shop | db1 | 5433",
      "jdbc:postgresql://[::1]:5740/shop | postgresql | postgresql | shop | [::1] | 5740",
      "jdbc:postgresql:shop | postgresql | postgresql | shop | localhost | 5432",
      "jdbc:postgresql://sandy:Pw0rd@db1:5433/shop | postgresql | postgresql | shop | db1 | 5433",
      // MySQL Connector/J: user info, SRV, load balancing, replication, address= and key-value hosts
      "jdbc:mysql://sandy:Pw0rd@db1:3306/shop | mysql | mysql | shop | db1 | 3306",
      "jdbc:mysql://sandy:4711@db1/shop | mysql | mysql | shop | db1 | 3306",
      "jdbc:mysql://sandy:p/w:4711@db1:3307/shop | mysql | mysql | shop | db1 | 3307",
      "jdbc:mysql+srv://sandy:Pw0rd@_mysql._tcp.db.example.com/shop | mysql | mysql | shop | _mysql._tcp.db.example.com | ",
      "jdbc:mysql:loadbalance://db1:3306,db2:3307/shop?user=sandy&password=Pw0rd | mysql | mysql | shop | db1 | 3306",
      "jdbc:mysql:replication://sandy:Pw0rd@[db1:3306,db2:3307]/shop | mysql | mysql | shop | db1 | 3306",
      "jdbc:mysql://address=(host=db1)(port=3310)(user=sandy)(password=Pw0rd)/shop | mysql | mysql | shop | db1 | 3310",
      "jdbc:mysql://address=(password=Pw0rd)(host=db1)/shop | mysql | mysql | shop | db1 | 3306",
      "jdbc:mysql://(host=db1,port=3311,user=sandy,password=Pw0rd),(host=db2)/shop | mysql | mysql | shop | db1 | 3311",
      "jdbc:mysql://[(host=db1,port=3312,password=Pw0rd),(host=db2)]/shop | mysql | mysql | shop | db1 | 3312",
      "jdbc:mysqlx://sandy:Pw0rd@db1/shop | mysql | mysql | shop | db1 | 33060",
      // MariaDB Connector/J
      "jdbc:mariadb://db1:3306/shop?user=sandy&password=Pw0rd | mariadb | mariadb | shop | db1 | 3306",
      "jdbc:mariadb:replication://address=(host=db1)(port=3320)(type=primary),address=(host=db2)(port=3321)/shop | mariadb | mariadb | shop | db1 | 3320",
      "jdbc:mariadb://sandy:Pw0rd@db1/shop | mariadb | mariadb | shop | db1 | 3306",
      // SQL Server (mssql-jdbc)
      "jdbc:sqlserver://db1\\inst:1444;databaseName=shop;user=sandy;password=Pw0rd | mssql | microsoft.sql_server | shop | db1 | 1444",
      "jdbc:sqlserver://db1;databaseName=shop;password={Pw0rd;x=4711} | mssql | microsoft.sql_server | shop | db1 | 1433",
      "jdbc:sqlserver://db1\\inst;database=shop;password=Pw0rd | mssql | microsoft.sql_server | shop | db1 | ",
      "jdbc:sqlserver://;serverName=db1;portNumber=1450;password=Pw0rd;databaseName=shop | mssql | microsoft.sql_server | shop | db1 | 1450",
      // Oracle thin: SID, service, EZConnect with protocol, credentials before @, TNS descriptor, tnsnames alias
      "jdbc:oracle:thin:@db1:1521:ORCL | oracle | oracle.db | ORCL | db1 | 1521",
      "jdbc:oracle:thin:@//db1:1522/shop.example.com | oracle | oracle.db | shop.example.com | db1 | 1522",
      "jdbc:oracle:thin:sandy/Pw0rd@//db1:1523/shop | oracle | oracle.db | shop | db1 | 1523",
      "jdbc:oracle:thin:sandy/4711@db1:1524:ORCL | oracle | oracle.db | ORCL | db1 | 1524",
      "jdbc:oracle:thin:@tcps://db1:2484/shop?wallet_location=/w | oracle | oracle.db | shop | db1 | 2484",
      "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db1)(PORT=1525))(CONNECT_DATA=(SERVICE_NAME=shop))) | oracle | oracle.db | shop | db1 | 1525",
      "jdbc:oracle:thin:sandy/Pw0rd@(description=(address_list=(address=(protocol=tcp)(host=db1)(port=1526)))(connect_data=(sid=ORCL))) | oracle | oracle.db | ORCL | db1 | 1526",
      "jdbc:oracle:thin:@shop_alias | oracle | oracle.db | shop_alias |  | ",
      // H2: memory, file, TCP, credentials as settings
      "jdbc:h2:mem:shop;USER=sandy;PASSWORD=Pw0rd | h2 | h2database | shop |  | ",
      "jdbc:h2:file:/var/data/shop;PASSWORD=Pw0rd | h2 | h2database | shop |  | ",
      "jdbc:h2:~/shop | h2 | h2database | shop |  | ",
      "jdbc:h2:tcp://db1:9093/~/shop;USER=sandy;PASSWORD=Pw0rd | h2 | h2database | shop | db1 | 9093",
      "jdbc:h2:tcp://db1/mem:shop | h2 | h2database | shop | db1 | 9092",
      // Db2 (IBM Data Server Driver): properties after the database, each ended by ;
      "jdbc:db2://db1:50001/SHOP:user=sandy;password=Pw0rd; | db2 | ibm.db2 | SHOP | db1 | 50001",
      "jdbc:db2://db1/SHOP | db2 | ibm.db2 | SHOP | db1 | 50000",
      "jdbc:db2:SHOP:password=Pw0rd; | db2 | ibm.db2 | SHOP |  | ",
      // what no parser should make sense of: nothing is copied
      "jdbc:mysql://sandy:Pw0rd@/shop | mysql | mysql | shop |  | ",
      "jdbc:mysql://address=(host=Pw0rd=x)/shop | mysql | mysql | shop |  | ",
      "jdbc:foo://sandy:Pw0rd@db1 | foo | other_sql |  |  | ",
      "not a url | other_sql | other_sql |  |  | ",
  })
  void parse_everyForm_hostAndPortOnly(String url, String system, String systemName, String db, String host, Integer port) {
    DbInfo info = DbInfo.parse(url);
    assertThat(info.system()).isEqualTo(system);
    assertThat(info.systemName()).isEqualTo(systemName);
    assertThat(info.namespace()).isEqualTo(db);
    assertThat(info.host()).isEqualTo(host);
    assertThat(info.port()).isEqualTo(port == null ? -1 : port);
    assertThat(info.toString()).doesNotContain("Pw0rd").doesNotContain("sandy").doesNotContain("4711");
  }

  @Test
  void mysqlPlusSrv_isMysql_soItsLiteralsAreReadTheMysqlWay() {
    assertThat(DbInfo.parse("jdbc:mysql+srv://db.example.com/shop").mysqlLike()).isTrue();
    assertThat(DbInfo.parse("jdbc:mysql:replication://db1,db2/shop").mysqlLike()).isTrue();
  }

  @Test
  void randomUrls_neverThrow_andHostIsAHostName() {
    Random random = new Random(27);
    String alphabet = "jdbc:mysql/@()[],;=?&#\\.hostPw0rd12 {}";
    String[] prefixes = {"jdbc:mysql://", "jdbc:postgresql://", "jdbc:sqlserver://", "jdbc:oracle:thin:@", "jdbc:h2:tcp://",
        "jdbc:db2://", "jdbc:mariadb:", "jdbc:mysql+srv://"};
    for (int i = 0; i < 50_000; i++) {
      StringBuilder url = new StringBuilder(prefixes[random.nextInt(prefixes.length)]);
      for (int k = random.nextInt(40); k > 0; k--) {
        url.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      DbInfo info = DbInfo.parse(url.toString());
      if (info.host() != null) {
        assertThat(info.host()).as(url.toString()).matches("[A-Za-z0-9._-]+|\\[[0-9a-fA-F:.%]+\\]");
      }
      assertThat(info.port()).isBetween(-1, 65535);
    }
  }
}
